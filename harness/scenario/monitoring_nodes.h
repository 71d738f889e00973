// The two nodes a drill that detects through Prometheus adds to the system: Prometheus and
// Alertmanager (Debian's packages), started, probed, logged and stopped like the system's own
// nodes, in the lab beside them. Their configuration is written into the run directory's
// monitoring/ ({monitoring_dir}) before they start (harness/monitoring/monitoring_config.h).
#pragma once

#include <string_view>
#include <vector>

#include "scenario/scenario.h"

namespace firedrill {

inline constexpr std::string_view kPrometheusNode = "prometheus";
inline constexpr std::string_view kAlertmanagerNode = "alertmanager";
inline constexpr std::string_view kMonitoringRole = "monitoring";
inline constexpr int kPrometheusPort = 9090;
inline constexpr int kAlertmanagerPort = 9093;

// Prometheus's and Alertmanager's node definitions for `monitoring`.
std::vector<NodeDefinition> monitoring_nodes(const MonitoringSpec& monitoring);

// Whether `node` is one of them.
bool is_monitoring_node(const NodeDefinition& node);

}  // namespace firedrill
