// The ledger's durable state: accounts, the replicated transfer log and idempotency records in
// one SQLite database (WAL mode) in the node's data directory.
//
// Balances are kept in memory as well, loaded at open and changed only after a successful
// commit, so a failed write (disk full) never leaves memory and disk disagreeing.
// Not thread-safe: one ledger process uses it from its one io_context thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/payment.h"
#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace refpay {

struct LedgerStoreOptions {
  int64_t accounts = 64;                    // accounts acct-1 .. acct-N are created at first open
  int64_t initial_balance = 1'000'000'000;  // minor units per account
  std::string synchronous = "full";         // SQLite PRAGMA synchronous: "full" or "normal"
};

// The account id for 1-based index `i`: "acct-1", "acct-2", ...
std::string account_id(int64_t i);

// When the idempotency key was first committed, and where.
struct IdempotencyRecord {
  int64_t position = 0;
  int64_t created_ms = 0;  // wall clock of the primary that committed it
};

class LedgerStore {
 public:
  static Result<std::unique_ptr<LedgerStore>> open(const std::string& data_dir,
                                                   const LedgerStoreOptions& options);
  ~LedgerStore();
  LedgerStore(const LedgerStore&) = delete;
  LedgerStore& operator=(const LedgerStore&) = delete;

  // Position of the newest transfer (0 when empty) and the epoch it was written in.
  int64_t last_position() const { return last_position_; }
  int64_t last_epoch() const { return last_epoch_; }
  // The latest committed_at_ms in the log (0 when empty): not the newest entry's, since primaries'
  // clocks differ. Kept in memory (read at open, updated by append and truncate_after).
  int64_t max_committed_at_ms() const { return max_committed_at_ms_; }
  // The highest epoch this node has been told of (persisted).
  int64_t epoch() const { return epoch_; }
  Status set_epoch(int64_t epoch);

  const std::map<std::string, int64_t>& balances() const { return balances_; }
  std::optional<int64_t> balance(const std::string& account) const;
  int64_t total_money() const;

  // Appends transfers at last_position()+1, +2, ... in one transaction, applying them to the
  // balances and recording each idempotency key (replacing an expired record). All or nothing.
  // A full disk or I/O error sets disk_full() until a later write succeeds.
  Status append(const std::vector<Transfer>& batch);
  // Removes every transfer after `position` (a divergent tail after a failover), undoing its
  // effect on balances and its idempotency records; returns the removed transfers. After a
  // truncation that removed anything, the truncate listener is called with `position`.
  Result<std::vector<Transfer>> truncate_after(int64_t position);
  // Called after each truncation with the position kept (the backups use it to drop what the
  // truncation invalidated). One listener; setting another replaces it.
  void set_truncate_listener(std::function<void(int64_t kept_position)> listener) {
    truncate_listener_ = std::move(listener);
  }

  // Up to `count_max` transfers after `position`, in order.
  Result<std::vector<Transfer>> read_after(int64_t position, std::size_t count_max) const;
  std::optional<Transfer> transfer_at(int64_t position) const;
  // The epoch of the entry at `position`; 0 for position 0; nullopt when absent.
  std::optional<int64_t> epoch_at(int64_t position) const;
  // The newest position whose entry has epoch <= `epoch` (epochs never decrease along the log).
  int64_t last_position_in_epoch_at_most(int64_t epoch) const;

  std::optional<IdempotencyRecord> find_idempotency(const std::string& key) const;
  // Deletes idempotency records created before `created_before_ms`; returns how many.
  Result<int64_t> expire_idempotency(int64_t created_before_ms);

  // Streams every transfer in log order as NDJSON lines.
  Status export_ndjson(const std::function<void(const std::string&)>& sink) const;

  // A tiny write, to learn whether the disk accepts writes again after it was full.
  Status probe_write(int64_t now_ms);
  bool disk_full() const { return disk_full_; }

  // The SQLite connection, for the online backup API only (sqlite3_backup_init takes the source
  // connection; writes made through it while a backup runs are mirrored into the copy). Owned by
  // the store: a backup using it must finish before the store is destroyed.
  sqlite3* backup_source() const { return db_; }

 private:
  explicit LedgerStore(sqlite3* db);
  Status exec(const char* sql);
  Status prepare_statements();
  Status load_state(const LedgerStoreOptions& options);
  Status fail_write(const char* what);
  Status reload_balances();
  void reload_max_committed();

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_transfer_ = nullptr;
  sqlite3_stmt* update_balance_ = nullptr;
  sqlite3_stmt* upsert_idempotency_ = nullptr;
  sqlite3_stmt* find_idempotency_ = nullptr;
  sqlite3_stmt* read_after_ = nullptr;
  sqlite3_stmt* epoch_at_ = nullptr;
  std::map<std::string, int64_t> balances_;
  // First position of each epoch present in the log, ascending.
  std::vector<std::pair<int64_t, int64_t>> epoch_starts_;
  int64_t last_position_ = 0;
  int64_t last_epoch_ = 0;
  int64_t max_committed_at_ms_ = 0;
  int64_t epoch_ = 0;
  bool disk_full_ = false;
  std::function<void(int64_t)> truncate_listener_;
};

}  // namespace refpay
