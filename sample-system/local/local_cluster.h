// Runs a whole refpay (N ledgers, the arbiter, the gateway) as real processes on loopback, for
// the tests, the benchmark and the demo. Each cluster gets its own loopback addresses
// (127.X.Y.1..) so that clusters in parallel test processes never collide on ports.
//
// Every process is started with PR_SET_PDEATHSIG(SIGKILL): if the owner dies, so do they.
// Not thread-safe; the load generator's thread only talks HTTP to it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace refpay {

struct LocalClusterOptions {
  std::string bin_dir;   // where refpay-ledger, -arbiter, -gateway are; default: beside this exe
  std::string work_dir;  // configs, data and logs go here (created)
  int ledgers = 3;
  std::string replication = "sync";
  int sync_replicas = 1;
  int64_t failure_timeout_ms = 1000;
  int64_t sync_timeout_ms = 2000;
  int64_t freshness_window_ms = 30'000;
  int64_t idempotency_ttl_ms = 86'400'000;
  int64_t accounts = 64;
  int64_t initial_balance = 1'000'000'000;
  std::string synchronous = "full";
  std::string alert_url;  // webhook receiver for the arbiter's alerts
  // Per-ledger data directory (index 0-based); default work_dir/ledger-N.
  std::map<int, std::string> ledger_data_dirs;
  // When true every ledger runs under libfaketime with its own control file (clock_file()).
  bool faketime = false;
  std::vector<std::string> ledger_overrides;  // extra --set arguments
  // Backups: when backup_store is set, each ledger backs up into backup_store/<ledger id> on
  // these periods (sample-system/README.md §10).
  std::string backup_store;
  int64_t backup_full_interval_ms = 0;
  int64_t backup_archive_interval_ms = 0;
};

class LocalCluster {
 public:
  // Writes configs, starts every process and waits until the gateway has a primary and every
  // standby follows it (or `ready_timeout` passes: an error naming what was not ready).
  static Result<std::unique_ptr<LocalCluster>> start(
      LocalClusterOptions options, std::chrono::milliseconds ready_timeout = std::chrono::seconds(15));
  ~LocalCluster();  // kills every process

  std::string gateway_url() const;
  std::string arbiter_url() const;
  std::string ledger_url(int index) const;  // 0-based
  std::string ledger_id(int index) const { return "ledger-" + std::to_string(index + 1); }
  int ledger_count() const { return options_.ledgers; }
  const LocalClusterOptions& options() const { return options_; }
  std::string data_dir(int index) const;
  std::string log_path(const std::string& name) const;
  // The libfaketime control file of a ledger ("+0" means no skew).
  std::string clock_file(int index) const;

  // Node names: "ledger-1".., "arbiter", "gateway".
  pid_t pid(const std::string& name) const;
  Status signal(const std::string& name, int signal);
  // SIGKILLs (if running) and reaps the node.
  Status kill(const std::string& name);
  // SIGTERM, then waits up to `timeout` for a clean exit (SIGKILL after it); reaps the node.
  Status stop(const std::string& name, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The backup directory of a ledger (empty without backup_store).
  std::string backup_dir(int index) const;
  // Starts the node again with the same config (after kill).
  Status restart(const std::string& name);

  // The primary's index according to the arbiter, if it has one.
  std::optional<int> primary_index() const;
  // Waits until the arbiter reports a primary other than `not_index` that the gateway uses too.
  Result<int> wait_for_primary(std::chrono::milliseconds timeout, std::optional<int> not_index = {}) const;
  // Waits until every ledger's last_position equals the primary's and all follow it.
  Status wait_converged(std::chrono::milliseconds timeout) const;

 private:
  explicit LocalCluster(LocalClusterOptions options);
  Status write_configs();
  Status spawn(const std::string& name);
  std::string config_path(const std::string& name) const;
  std::string address(int host_index) const;

  LocalClusterOptions options_;
  std::string host_prefix_;  // "127.X.Y."
  std::map<std::string, pid_t> pids_;
};

// One synchronous HTTP exchange, for tests and tools: `url` is "http://host:port".
struct HttpCallResult {
  bool ok = false;  // a response arrived
  int status = 0;
  std::string body;
  std::string error;
};
HttpCallResult http_call(const std::string& url, const std::string& method,
                         const std::string& target, const std::string& body = "",
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The directory holding the running executable (to find refpay-* beside it).
std::string executable_dir();

}  // namespace refpay
