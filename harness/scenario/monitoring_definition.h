// Reading a system definition's [monitoring] table (scenario.h, MonitoringSpec). Internal to the
// scenario library, beside system_definition.cc.
#pragma once

#include <string>

#include "scenario/scenario.h"
#include "scenario/table_reader.h"

namespace firedrill {

// Reads [monitoring] of `top` into system.monitoring; rule files and the Alertmanager
// configuration are resolved against the definition's directory and must exist.
void read_monitoring(TableReader& top, SystemDefinition& system, const std::string& path, Diagnostics& d);

// `file` as written, resolved against the directory of `beside` (the file that names it), as an
// absolute path; "" and an error at `key` when it is not a readable file.
std::string resolve_monitoring_file(TableReader& r, const std::string& key, const std::string& file,
                                    const std::string& beside);

}  // namespace firedrill
