// Rendering the placeholders of a system definition ({name}, {address}, {node.arbiter.address},
// {replication}, {ledgers}, ...) into the concrete command lines and URLs of one drill.
// A placeholder is `{identifier}` with identifier [a-z_][a-z0-9_.-]*; other braces are left
// alone (so inline TOML such as `{id = "x"}` passes through). An unknown placeholder is an error.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "scenario/scenario.h"

namespace firedrill {

using Values = std::map<std::string, std::string>;

Result<std::string> render(const std::string& text, const Values& values);

// The values every node shares: parameters, {bin}, {alert_url}, {controller_address},
// {node.NAME.address} and {node.NAME.data_dir} for every node, {backup_store}, then every
// [list.*].
struct RenderInputs {
  std::string bin_dir;
  std::string controller_address;
  std::string alert_url;
  std::map<std::string, std::string> addresses;  // node → address
  std::map<std::string, std::string> data_dirs;  // node → volume path
  std::map<std::string, ParameterValue> parameters;
  int64_t accounts = 0;                          // {accounts}: the workload's account count
  // {backup_store}: the drill's backup store, outside every node's volume (run_dir/backup-store);
  // {backup_dir} is the node's own directory in it. Empty: neither placeholder exists.
  std::string backup_store;
  // {monitoring_dir}: where the drill's Prometheus and Alertmanager find their configuration
  // (run_dir/monitoring). Empty: no such placeholder.
  std::string monitoring_dir;
};
Result<Values> shared_values(const SystemDefinition& system, const RenderInputs& inputs);
// `shared` plus {name}, {address}, {data_dir}, {backup_dir} of `node`.
Values node_values(const Values& shared, const std::string& node, const RenderInputs& inputs);

}  // namespace firedrill
