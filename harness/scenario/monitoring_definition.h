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

}  // namespace firedrill
