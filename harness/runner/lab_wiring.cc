// The lab of one drill; see lab_wiring.h.
#include "runner/lab_wiring.h"

#include <boost/json.hpp>
#include <filesystem>
#include <set>

#include "runner/node_launch.h"
#include "timeline/timeline.h"

namespace json = boost::json;
namespace fs = std::filesystem;

namespace firedrill {

std::string Lab::alert_url() const {
  return "http://" + network->controller_address() + ":" + std::to_string(kAlertPort) + "/alerts";
}

Result<Lab> build_lab(const Scenario& scenario, const Plan& plan, const RunPaths& paths, const std::string& subnet) {
  Lab lab;
  LabNetworkSpec spec;
  spec.subnet = subnet;
  for (const auto& n : scenario.system.nodes) spec.nodes.push_back(n.name);
  auto network = LabNetwork::create(spec);
  if (!network) return network.status();
  lab.network = std::move(*network);
  std::vector<std::pair<std::string, int64_t>> sizes;
  for (const auto& n : scenario.system.nodes) sizes.emplace_back(n.name, n.volume_bytes);
  const std::set<std::string> durable(plan.durable_volume_nodes.begin(), plan.durable_volume_nodes.end());
  const std::set<std::string> filled(plan.volume_fill_nodes.begin(), plan.volume_fill_nodes.end());
  auto volumes = Volumes::create(paths.volumes(), sizes, durable, filled);
  if (!volumes) return volumes.status();
  lab.volumes = std::move(*volumes);
  std::error_code ec;
  fs::create_directories(paths.clock_dir(), ec);
  fs::create_directories(paths.logs_dir(), ec);
  fs::create_directories(paths.exports_dir(), ec);
  for (const auto& n : scenario.system.nodes) fs::create_directories(paths.backup_dir(n.name), ec);
  if (Status s = create_clock_pages(plan, paths); !s) return s;
  return lab;
}

LaunchSite lab_launch_site(const Lab& lab, const RunPaths& paths, const std::string& bin_dir,
                           const std::string& clock_shim, const std::vector<std::string>& durable_volumes,
                           const std::vector<std::string>& write_through_volumes) {
  LaunchSite site;
  site.paths = paths;
  site.bin_dir = bin_dir;
  site.controller_address = lab.network->controller_address();
  for (const auto& n : lab.network->nodes()) {
    site.addresses[n.node] = n.address;
    site.data_dirs[n.node] = lab.volumes->path(n.node);
  }
  const LabNetwork* network = lab.network.get();
  site.netns_fd = [network](const std::string& node) { return network->netns_fd(node); };
  site.alert_url = lab.alert_url();
  site.backup_store = paths.backup_store();
  site.clock_shim = clock_shim;
  site.clock_page = [paths](const std::string& node) { return paths.clock_control(node); };
  site.volume_kind = "tmpfs";
  site.durable_volumes = durable_volumes;
  site.write_through_volumes = write_through_volumes;
  return site;
}

void record_lab(Timeline& timeline, const Lab& lab) {
  StringPairs nodes;
  for (const auto& n : lab.network->nodes()) nodes.emplace_back(n.node, n.address);
  timeline.write(HarnessLab{.controller_address = lab.network->controller_address(),
                            .nodes = std::move(nodes),
                            .alert_url = lab.alert_url()});
}

}  // namespace firedrill
