// The hosts of one drill, when every node of the system definition lives on a host reached over
// SSH (scenarios/README.md, "Drill your hosts over SSH"): the counterpart of lab_wiring.h. No lab
// is built: the controller stays in the caller's namespaces, reaches the nodes at their hosts'
// addresses and is reached at the definition's [ssh] controller_address (alerts). Runs on the
// runner's io_context thread.
#pragma once

#include <chrono>
#include <string>

#include "place/place.h"
#include "plan/plan.h"
#include "remote/host_place.h"
#include "runner/node_launch.h"
#include "runner/run_paths.h"
#include "scenario/scenario.h"

namespace firedrill {

class Timeline;

// A short id of the run, for what firedrill names on the hosts (its nft table, its switches,
// its work directory): 12 hex digits of the run directory's path.
std::string host_run_id(const std::string& run_dir);

// Where the nodes go on their hosts: each node's address is its host's, its data directory the
// definition's data_dir; FIREDRILL_WORK_DIR (the host's work directory) is added to each.
// The clock shim on the hosts is `clock_shim` (the [ssh] clock_shim, or the controller's own path).
LaunchSite host_launch_site(const Scenario& scenario, const RunPaths& paths, const std::string& bin_dir,
                            const HostPlace& hosts, const std::string& clock_shim);

// The run directory's folders for a drill on hosts (logs/, exports/).
Status make_host_run_dirs(const RunPaths& paths);

// The ("harness", "lab") record, for hosts: the controller's address, every node's host address.
void record_hosts(Timeline& timeline, const Scenario& scenario, const std::string& alert_url);

// How long from `now` the dead-man's switch of fault `change` waits: to the fault's planned
// revert (or the end of the fault phase) plus `grace` ([ssh] switch_grace); change -1: to the end
// of the fault phase plus the grace.
std::chrono::milliseconds host_switch_delay(const Plan& plan, ChangeId change, std::chrono::milliseconds grace,
                                            std::chrono::steady_clock::time_point phase_start,
                                            std::chrono::steady_clock::time_point now);

}  // namespace firedrill
