// The stages of a drill on hosts over SSH (runner/host_wiring.h): Drill's counterparts of
// preflight and lab_up when every node lives on a host, and how the hosts' events reach it.
#include "runner/drill.h"
#include "runner/host_wiring.h"

namespace firedrill {

// On hosts: every fault kind must work there, and every host must answer with the tools the
// drill's faults need; then its switch is armed. Nothing starts before all of them have.
Status Drill::hosts_preflight() {
  std::vector<std::string> kinds;
  for (const auto& f : scenario_.faults) {
    const HostSupport support = host_support(f.kind);
    if (!support.supported) return Status::error("fault[" + std::to_string(f.index) + "] " + f.kind + " refused: " + support.how);
    kinds.push_back(f.kind);
  }
  if (Status s = faults_.preflight(scenario_); !s) return s;
  // The nodes' logs come home at the end, not as they are written: a log pattern could never match.
  if (!scenario_.detection.log_patterns.empty()) {
    return Status::error("[[detection.log]] patterns are not watched on hosts yet (the nodes' logs are fetched at the "
                         "end); detect through alerts");
  }
  for (const auto& node : plan_.clock_shim_nodes) {
    const NodeDefinition* n = scenario_.system.find_node(node);
    if (n && n->attached()) {
      return Status::error("clock.skew can reach node " + node + ", which is attached: moving its host's clock "
                           "(allow_host_clock) is not available yet");
    }
  }
  if (!plan_.clock_shim_nodes.empty()) {
    // The shim where the hosts have it; by default where the controller has it (the same file
    // system, as on the test bed).
    auto shim = scenario_.system.ssh.clock_shim.empty() ? locate_clock_shim(plan_, options_.bin_dir)
                                                        : Result<std::string>(scenario_.system.ssh.clock_shim);
    if (!shim) return shim.status();
    clock_shim_ = *shim;
  }
  bool connected = false;
  Status result = Status::ok();
  host_place_->connect(host_tools(kinds), [&](Status s) {
    result = s;
    connected = true;
  });
  run_until(connected);
  return result;
}

Status Drill::hosts_up() {
  phases_.enter(Phase::lab_up);
  if (Status s = make_host_run_dirs(paths_); !s) return s;
  connect_faults();
  receiver_ = std::make_unique<AlertReceiver>(
      io_, *timeline_, [this](const std::string& status, const std::string& name) { on_alert(status, name); });
  const LaunchSite site = host_launch_site(scenario_, paths_, options_.bin_dir, *host_place_, clock_shim_);
  if (Status s = receiver_->listen(site.controller_address, kAlertPort); !s) return s;
  record_hosts(*timeline_, scenario_, site.alert_url);
  return Status::ok();
}

void Drill::run_until(const bool& done) {
  io_.restart();
  while (!done && io_.run_one() > 0) {
  }
}

// Starts one node on its host, waiting for the start to be verified (the launch is in order).
Status Drill::start_on_host(const ProcessSpec& spec) {
  bool started = false;
  Status result = Status::ok();
  host_place_->start_node(NodeLaunch{spec.name, spec.argv, spec.env, "", "", spec.working_dir}, [&](Status s, Evidence) {
    result = s;
    started = true;
  });
  run_until(started);
  return result;
}

void Drill::on_host_lost(const std::string& host, const std::string& why) {
  // Before the traffic starts a lost host fails the step that needs it (a start, the health wait)
  // and the drill ends there; aborting from inside those steps would run the end twice.
  if (ending()) return;
  if (phases_.current() < Phase::baseline) return fail("host " + host, Status::error("lost: " + why));
  // Its switches undo its changes on the host; the drill cannot say what the system did meanwhile.
  inconclusive("host lost: " + host, "lost the SSH session to " + host + " (" + why + ")");
  abort("host " + host + " lost");
}

}  // namespace firedrill
