// What `firedrill validate` checks of a scenario that detects through Prometheus, before any
// drill: Prometheus and Alertmanager are installed, `promtool check rules` accepts every rule
// file, `amtool check-config` the team's Alertmanager configuration. Each problem is a
// diagnostic naming the file, the line and column where the tool gives them, and the rule
// (promtool's own words: `group "refpay", rule 2, "LedgerDown": could not parse expression`).
#pragma once

#include "scenario/diagnostics.h"
#include "scenario/scenario.h"

namespace firedrill {

// Also resolves the four programs of system.monitoring to their paths.
void check_monitoring(SystemDefinition& system, Diagnostics& d);

}  // namespace firedrill
