// The lab of one drill: a network namespace per node on the drill's subnet (the controller on
// the bridge), a tmpfs volume per node, the run directory's folders (clock/, logs/, exports/,
// backup-store/<node>) and the clock control pages, all made before any node starts, and the
// ("harness", "lab") record of who has which address. Must run in the lab's controller process
// (see drill_runner.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "lab/network.h"
#include "lab/volumes.h"
#include "plan/plan.h"
#include "runner/node_launch.h"
#include "runner/run_paths.h"
#include "scenario/scenario.h"

namespace firedrill {

class Timeline;

// Alertmanager-style webhooks of the system reach the runner here, on the controller's address.
constexpr uint16_t kAlertPort = 9093;

struct Lab {
  std::unique_ptr<LabNetwork> network;
  std::unique_ptr<Volumes> volumes;

  // Where the system's alerts are sent ({alert_url}).
  std::string alert_url() const;
};

Result<Lab> build_lab(const Scenario& scenario, const Plan& plan, const RunPaths& paths, const std::string& subnet);

// Where the nodes go in the lab: its addresses, volumes and network namespaces.
LaunchSite lab_launch_site(const Lab& lab, const RunPaths& paths, const std::string& bin_dir,
                           const std::string& clock_shim, const std::vector<std::string>& durable_volumes,
                           const std::vector<std::string>& write_through_volumes);

// The ("harness", "lab") record: the controller's address, every node's, the alert URL.
void record_lab(Timeline& timeline, const Lab& lab);

}  // namespace firedrill
