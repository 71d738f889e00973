// Prometheus and Alertmanager as nodes; see monitoring_nodes.h.
#include "scenario/monitoring_nodes.h"

#include <algorithm>

namespace firedrill {

std::vector<NodeDefinition> monitoring_nodes(const MonitoringSpec& m) {
  NodeDefinition prometheus;
  prometheus.name = kPrometheusNode;
  prometheus.roles = {std::string(kMonitoringRole)};
  prometheus.command = {m.prometheus,
                        "--config.file={monitoring_dir}/prometheus.yml",
                        "--storage.tsdb.path={data_dir}",
                        "--storage.tsdb.retention.time=1d",
                        "--web.listen-address={address}:" + std::to_string(kPrometheusPort)};
  prometheus.health_url = "http://{address}:" + std::to_string(kPrometheusPort) + "/-/ready";
  // A drill's TSDB is a few MiB; the tmpfs takes only what is written.
  prometheus.volume_bytes = int64_t{512} << 20;
  prometheus.ready_timeout = Milliseconds(30'000);
  prometheus.stop_grace = Milliseconds(5'000);

  NodeDefinition alertmanager;
  alertmanager.name = kAlertmanagerNode;
  alertmanager.roles = {std::string(kMonitoringRole)};
  alertmanager.command = {m.alertmanager,
                          "--config.file={monitoring_dir}/alertmanager.yml",
                          "--storage.path={data_dir}",
                          "--web.listen-address={address}:" + std::to_string(kAlertmanagerPort),
                          // One Alertmanager, no gossip port of its own.
                          "--cluster.listen-address="};
  alertmanager.health_url = "http://{address}:" + std::to_string(kAlertmanagerPort) + "/-/ready";
  alertmanager.volume_bytes = int64_t{64} << 20;
  alertmanager.ready_timeout = Milliseconds(30'000);
  alertmanager.stop_grace = Milliseconds(5'000);
  return {prometheus, alertmanager};
}

bool is_monitoring_node(const NodeDefinition& node) {
  return std::find(node.roles.begin(), node.roles.end(), kMonitoringRole) != node.roles.end() &&
         (node.name == kPrometheusNode || node.name == kAlertmanagerNode);
}

}  // namespace firedrill
