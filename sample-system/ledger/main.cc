// refpay-ledger: one ledger node (primary or standby) of the reference payment system.
// Usage: refpay-ledger --config ledger.toml [--set section.key=value ...]
#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>

#include "common/config_read.h"
#include "common/program.h"
#include "ledger/data_dir_lock.h"
#include "ledger/ledger_node.h"

using namespace refpay;

namespace {

// True when `inner` is `outer` or lies inside it (paths compared after resolving what exists).
bool is_within(const std::string& inner, const std::string& outer) {
  std::error_code ec;
  auto resolved = [&](const std::string& path) {
    auto p = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
    return p.has_filename() ? p : p.parent_path();  // "d/" names d
  };
  auto a = resolved(inner);
  auto b = resolved(outer);
  return std::mismatch(b.begin(), b.end(), a.begin(), a.end()).first == b.end();
}

// [backup]: this node's own backups. Off unless backup.dir and an interval are set.
Status read_backup_config(Config& c, LedgerConfig& l) {
  backup::BackupOptions& b = l.backup;
  FirstError step;
  constexpr int64_t kWeekMs = 7LL * 86'400'000;
  step(read_string(c, "backup.dir", b.dir));
  step(read_int(c, "backup.full_interval_ms", b.full_interval_ms, 0, kWeekMs));
  step(read_int(c, "backup.archive_interval_ms", b.archive_interval_ms, 0, kWeekMs));
  step(read_int(c, "backup.full_keep", b.full_keep, 1, 1000));
  if (!step) return step.status();
  for (auto [key, value] : {std::pair{"backup.full_interval_ms", b.full_interval_ms},
                            std::pair{"backup.archive_interval_ms", b.archive_interval_ms}}) {
    if (value > 0 && value < 10) {
      return Status::error(c.where(key) + ": " + key + ": " + std::to_string(value) + " is below 10 ms (0 turns it off)");
    }
    if (value > 0 && b.dir.empty()) {
      return Status::error(c.where(key) + ": " + key + ": needs backup.dir");
    }
  }
  if (!b.dir.empty() && is_within(b.dir, l.data_dir)) {
    return Status::error(c.where("backup.dir") + ": backup.dir: " + b.dir + " is inside node.data_dir " + l.data_dir +
                         " (a backup there is lost with the node's storage)");
  }
  return Status::ok();
}

Status read_ledger_config(Config& c, LedgerConfig& l) {
  FirstError step;
  step(read_node_config(c, l.node));
  step(read_string(c, "node.data_dir", l.data_dir));
  step(read_int(c, "ledger.accounts", l.store.accounts, 2, 1'000'000));
  step(read_int(c, "ledger.initial_balance", l.store.initial_balance, 0, 1'000'000'000'000'000));
  auto sync_mode = c.get_choice("ledger.synchronous", l.store.synchronous, {"full", "normal"});
  step(sync_mode.status());
  if (sync_mode) l.store.synchronous = *sync_mode;
  auto replication = c.get_choice("ledger.replication", l.replication, {"sync", "async"});
  step(replication.status());
  if (replication) l.replication = *replication;
  step(read_int(c, "ledger.sync_replicas", l.sync_replicas, 0, 16));
  step(read_int(c, "ledger.sync_timeout_ms", l.sync_timeout_ms, 10, 600'000));
  step(read_int(c, "ledger.freshness_window_ms", l.freshness_window_ms, 1, 365LL * 86'400'000));
  step(read_int(c, "ledger.idempotency_ttl_ms", l.idempotency_ttl_ms, 1, 365LL * 86'400'000));
  step(read_int(c, "ledger.amount_max", l.amount_max, 1, 1'000'000'000'000'000));
  step(read_int(c, "ledger.pending_max", l.pending_max, 1, 1'000'000));
  step(read_int(c, "ledger.commit_batch_max", l.commit_batch_max, 1, 100'000));
  step(read_int(c, "ledger.replication_batch_max", l.replication_batch_max, 1, 100'000));
  step(read_int(c, "ledger.replication_wait_ms", l.replication_wait_ms, 10, 5'000));
  step(read_int(c, "ledger.disk_probe_interval_ms", l.disk_probe_interval_ms, 10, 60'000));
  step(read_int(c, "ledger.body_bytes_max", l.body_bytes_max, 256, 1 << 20));
  if (step && l.data_dir.empty()) step(Status::error(c.where("node") + ": node.data_dir: required"));
  if (step) step(read_backup_config(c, l));
  return step.status();
}

}  // namespace

int main(int argc, char** argv) {
  LedgerConfig config;
  std::optional<DataDirLock> lock;  // held while the node runs: no cold backup or restore under it
  return run_program(
      argc, argv, "refpay-ledger", [&](Config& c) { return read_ledger_config(c, config); },
      [&](boost::asio::io_context& io) -> Result<std::unique_ptr<Service>> {
        auto locked = DataDirLock::acquire(config.data_dir);
        if (!locked) return locked.status();
        lock.emplace(std::move(*locked));
        auto store = LedgerStore::open(config.data_dir, config.store);
        if (!store) return store.status();
        return make_ledger_node(io, config, std::move(*store));
      });
}
