// refpay-ledger: one ledger node (primary or standby) of the reference payment system.
// Usage: refpay-ledger --config ledger.toml [--set section.key=value ...]
#include <memory>

#include "common/config_read.h"
#include "common/program.h"
#include "ledger/ledger_node.h"

using namespace refpay;

namespace {

Status read_ledger_config(Config& c, LedgerConfig& l) {
  Status s;
  auto step = [&](Status next) {
    if (s) s = std::move(next);
  };
  step(read_string(c, "node.id", l.id));
  step(read_address(c, "node.listen", l.host, l.port));
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
  if (s && l.data_dir.empty()) s = Status::error(c.where("node") + ": node.data_dir: required");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  LedgerConfig config;
  std::unique_ptr<LedgerNode> node;
  return run_program(
      argc, argv, "refpay-ledger", [&](Config& c) { return read_ledger_config(c, config); },
      [&](boost::asio::io_context& io) -> Status {
        auto store = LedgerStore::open(config.data_dir, config.store);
        if (!store) return store.status();
        node = std::make_unique<LedgerNode>(io, config, std::move(*store));
        return node->start();
      },
      [&] { node->stop(); });
}
