// Prometheus and Alertmanager as nodes; see monitoring_nodes.h.
#include "scenario/monitoring_nodes.h"

#include <algorithm>

namespace firedrill {
namespace {

// A monitoring node serving on {address}:port, with `volume_bytes` for its state. Both take a
// few seconds to be ready and to flush their state when stopped.
NodeDefinition monitoring_node(std::string_view name, std::vector<std::string> command, int port, int64_t volume_bytes) {
  NodeDefinition node;
  node.name = name;
  node.roles = {std::string(kMonitoringRole)};
  node.command = std::move(command);
  node.command.push_back("--web.listen-address={address}:" + std::to_string(port));
  node.health_url = "http://{address}:" + std::to_string(port) + "/-/ready";
  node.volume_bytes = volume_bytes;
  node.ready_timeout = Milliseconds(30'000);
  node.stop_grace = Milliseconds(5'000);
  return node;
}

}  // namespace

std::vector<NodeDefinition> monitoring_nodes(const MonitoringSpec& m) {
  // A drill's TSDB is a few MiB; the tmpfs takes only what is written.
  return {monitoring_node(kPrometheusNode,
                          {m.prometheus, "--config.file={monitoring_dir}/prometheus.yml", "--storage.tsdb.path={data_dir}",
                           "--storage.tsdb.retention.time=1d"},
                          kPrometheusPort, int64_t{512} << 20),
          // One Alertmanager, no gossip port of its own.
          monitoring_node(kAlertmanagerNode,
                          {m.alertmanager, "--config.file={monitoring_dir}/alertmanager.yml", "--storage.path={data_dir}",
                           "--cluster.listen-address="},
                          kAlertmanagerPort, int64_t{64} << 20)};
}

bool is_monitoring_node(const NodeDefinition& node) {
  return std::find(node.roles.begin(), node.roles.end(), kMonitoringRole) != node.roles.end() &&
         (node.name == kPrometheusNode || node.name == kAlertmanagerNode);
}

}  // namespace firedrill
