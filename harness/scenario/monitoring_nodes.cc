// Prometheus and Alertmanager as nodes; see monitoring_nodes.h.
#include "scenario/monitoring_nodes.h"

#include <algorithm>

namespace firedrill {
namespace {

// On a host: the configuration comes in the node's environment (FIREDRILL_MONITORING_FILES,
// "PATH=BASE64" words, harness/monitoring/monitoring_config.h) and is unpacked into
// DATA_DIR/config before the program starts, in the same process (exec): nothing is copied onto
// the host but through the node's own start, and it goes with the data directory at the end.
constexpr const char* kUnpackThenExec =
    "set -ef; d=\"$1\"; shift; mkdir -p \"$d/config\"; "
    "for file in $FIREDRILL_MONITORING_FILES; do path=\"${file%%=*}\"; "
    "mkdir -p \"$d/config/$(dirname \"$path\")\"; "
    "printf '%s' \"${file#*=}\" | base64 -d > \"$d/config/$path\"; done; exec \"$@\"";

// A monitoring node serving on {address}:port, with `volume_bytes` for its state (in the lab).
// Both take a few seconds to be ready and to flush their state when stopped.
NodeDefinition monitoring_node(std::string_view name, const MonitoringSpec& m, std::vector<std::string> command,
                               int port, int64_t volume_bytes) {
  NodeDefinition node;
  node.name = name;
  node.roles = {std::string(kMonitoringRole)};
  node.command = std::move(command);
  node.command.push_back("--web.listen-address={address}:" + std::to_string(port));
  node.health_url = "http://{address}:" + std::to_string(port) + "/-/ready";
  node.volume_bytes = volume_bytes;
  node.ready_timeout = Milliseconds(30'000);
  node.stop_grace = Milliseconds(5'000);
  if (!m.host.empty()) {
    node.host = m.host;
    node.data_dir = m.data_dir + "/" + std::string(name);
    node.command.insert(node.command.begin(), {"/bin/sh", "-c", kUnpackThenExec, "firedrill-monitoring", "{data_dir}"});
    node.environment["FIREDRILL_MONITORING_FILES"] = "{monitoring_files}";
  }
  return node;
}

}  // namespace

std::vector<NodeDefinition> monitoring_nodes(const MonitoringSpec& m) {
  // In the lab the configuration is in the run directory; on a host, unpacked beside the state.
  const std::string config = m.host.empty() ? "{monitoring_dir}" : "{data_dir}/config";
  const std::string state = m.host.empty() ? "{data_dir}" : "{data_dir}/state";
  // A drill's TSDB is a few MiB; the tmpfs takes only what is written.
  return {monitoring_node(kPrometheusNode, m,
                          {m.prometheus, "--config.file=" + config + "/prometheus.yml", "--storage.tsdb.path=" + state,
                           "--storage.tsdb.retention.time=1d"},
                          kPrometheusPort, int64_t{512} << 20),
          // One Alertmanager, no gossip port of its own.
          monitoring_node(kAlertmanagerNode, m,
                          {m.alertmanager, "--config.file=" + config + "/alertmanager.yml", "--storage.path=" + state,
                           "--cluster.listen-address="},
                          kAlertmanagerPort, int64_t{64} << 20)};
}

bool is_monitoring_node(const NodeDefinition& node) {
  return std::find(node.roles.begin(), node.roles.end(), kMonitoringRole) != node.roles.end() &&
         (node.name == kPrometheusNode || node.name == kAlertmanagerNode);
}

}  // namespace firedrill
