// One ledger node of refpay: serves payments as primary, or replicates from the primary as a
// standby; the arbiter decides which (POST /internal/promote, /internal/follow).
//
// Replication is pulled: each standby long-polls the primary for entries after its last
// position, and each poll acknowledges what the standby has applied. In `sync` mode the primary
// answers a payment only once `sync_replicas` standbys have acknowledged it; in `async` mode it
// answers after its local commit. Entries carry the epoch of the primary that wrote them; a
// standby whose log diverged (an old primary's unreplicated tail) truncates back to the common
// prefix before it applies anything.
//
// Single-threaded: everything runs on the process's io_context.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backup/backup_agent.h"
#include "common/node_config.h"
#include "common/payment.h"
#include "common/service.h"
#include "ledger/ledger_store.h"

namespace refpay {

struct LedgerConfig {
  NodeConfig node{"ledger-1", "127.0.0.1", 7001};
  std::string data_dir;
  LedgerStoreOptions store;
  std::string replication = "sync";  // "sync" or "async"
  int64_t sync_replicas = 1;          // standbys that must hold an entry before it is acknowledged
  int64_t sync_timeout_ms = 2000;     // then the answer is 504: committed here, outcome unknown
  int64_t freshness_window_ms = 30'000;      // requests whose timestamp is further off: refused
  int64_t idempotency_ttl_ms = 86'400'000;   // a key older than this (wall clock) is forgotten
  int64_t amount_max = 1'000'000'000'000;    // minor units
  int64_t pending_max = 10'000;              // payments waiting for commit or replication
  int64_t commit_batch_max = 512;            // transfers per SQLite transaction
  int64_t replication_batch_max = 2000;      // entries per replication response
  int64_t replication_wait_ms = 500;         // long-poll wait of a standby with nothing to apply
  int64_t disk_probe_interval_ms = 250;      // while the disk is full, how often to try a write
  std::size_t body_bytes_max = 16 * 1024;
  backup::BackupOptions backup;              // this node's own backups (off by default)
};

// The ledger node over `store`, serving on config.node; it starts as a standby.
std::unique_ptr<Service> make_ledger_node(boost::asio::io_context& io, LedgerConfig config,
                                          std::unique_ptr<LedgerStore> store);

}  // namespace refpay
