// The power-loss table of a report, built once from report.json for both report.md and
// report.html (as alert_tables.h): per node of each power.loss, what its volume discarded and how
// it had synced until the cut — a node that wrote long before its first fsync, or never synced,
// shows it here. A pure function of report.json.
#pragma once

#include <boost/json/object.hpp>
#include <optional>

#include "reports/alert_tables.h"

namespace firedrill {

// One row per node of each power.loss fault (faults[].power_loss); none without such a fault.
std::optional<TextTable> power_loss_table(const boost::json::object& report);

}  // namespace firedrill
