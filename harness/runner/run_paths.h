// Where a drill's files go inside its run directory, named once: the runner writes them and
// `firedrill score`, `verify` and a person read them (scenarios/README.md, "The run directory").
#pragma once

#include <string>

namespace firedrill {

struct RunPaths {
  std::string run_dir;

  std::string timeline() const { return run_dir + "/timeline.jsonl"; }
  std::string run_record() const { return run_dir + "/run.json"; }
  std::string summary() const { return run_dir + "/summary.txt"; }
  std::string node_setup() const { return run_dir + "/node-setup.json"; }
  std::string volumes() const { return run_dir + "/volumes"; }
  std::string clock_dir() const { return run_dir + "/clock"; }
  std::string logs_dir() const { return run_dir + "/logs"; }
  std::string exports_dir() const { return run_dir + "/exports"; }
  // The drill's Prometheus and Alertmanager configuration and rule files (harness/monitoring/).
  std::string monitoring_dir() const { return run_dir + "/monitoring"; }
  // The clock control page of a node that runs with the clock shim.
  std::string clock_control(const std::string& node) const { return clock_dir() + "/" + node + ".clock"; }
  // A process's output; `name` is a node ("ledger-1") or a node's action ("ledger-1.restore").
  std::string log_out(const std::string& name) const { return logs_dir() + "/" + name + ".out"; }
  std::string log_err(const std::string& name) const { return logs_dir() + "/" + name + ".err"; }
  // The systems' backups live outside every node's volume, so storage.loss cannot take them, and
  // in the run directory, so they stay as evidence of what was restored.
  std::string backup_store() const { return run_dir + "/backup-store"; }
  std::string backup_dir(const std::string& node) const { return backup_store() + "/" + node; }
};

}  // namespace firedrill
