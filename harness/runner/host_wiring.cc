// The hosts of one drill; see host_wiring.h.
#include "runner/host_wiring.h"

#include <filesystem>

#include "core/limits.h"
#include "runner/lab_wiring.h"
#include "scenario/ssh_url.h"
#include "timeline/timeline.h"

namespace firedrill {

std::string host_run_id(const std::string& run_dir) {
  char id[17];
  std::snprintf(id, sizeof id, "%012llx",
                static_cast<unsigned long long>(std::hash<std::string>{}(run_dir) & 0xffffffffffffULL));
  return id;
}

LaunchSite host_launch_site(const Scenario& scenario, const RunPaths& paths, const std::string& bin_dir,
                            const HostPlace& hosts, const std::string& clock_shim) {
  LaunchSite site;
  site.paths = paths;
  site.bin_dir = bin_dir;
  site.controller_address = scenario.system.ssh.controller_address;
  for (const auto& n : scenario.system.nodes) {
    auto url = parse_ssh_url(n.host);
    site.addresses[n.name] = url ? url->address : std::string();
    site.data_dirs[n.name] = n.data_dir;
  }
  site.alert_url = "http://" + site.controller_address + ":" + std::to_string(kAlertPort) + "/alerts";
  site.backup_store = hosts.backup_store();
  site.volume_kind = "host directory";
  site.network_namespace = false;
  site.added_environment = [&hosts](const std::string& node) {
    return std::map<std::string, std::string>{{"FIREDRILL_WORK_DIR", hosts.work_dir(node)}};
  };
  site.clock_shim = clock_shim;
  site.clock_page = [&hosts](const std::string& node) { return hosts.clock_page(node); };
  return site;
}

Status make_host_run_dirs(const RunPaths& paths) {
  std::error_code ec;
  for (const auto& dir : {paths.logs_dir(), paths.exports_dir()}) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::error("cannot make " + dir + ": " + ec.message());
  }
  return Status::ok();
}

void record_hosts(Timeline& timeline, const Scenario& scenario, const std::string& alert_url) {
  StringPairs nodes;
  for (const auto& n : scenario.system.nodes) {
    auto url = parse_ssh_url(n.host);
    nodes.emplace_back(n.name, url ? url->address : std::string());
  }
  timeline.write(HarnessLab{.controller_address = scenario.system.ssh.controller_address,
                            .nodes = std::move(nodes),
                            .alert_url = alert_url});
}

std::chrono::milliseconds host_switch_delay(const Plan& plan, ChangeId change, std::chrono::milliseconds grace,
                                            std::chrono::steady_clock::time_point phase_start,
                                            std::chrono::steady_clock::time_point now) {
  Milliseconds end = plan.fault_phase;
  for (const auto& step : plan.steps) {
    if (change >= 0 && step.fault_index == change && step.action == PlannedStep::Action::revert) end = step.at;
  }
  const auto due = phase_start + end + grace;
  return std::max(grace, std::chrono::duration_cast<std::chrono::milliseconds>(due - now));
}

}  // namespace firedrill
