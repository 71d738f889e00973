// Writing to a backup directory: hot full backups of a running ledger (SQLite online backup API),
// archive segments of committed transfers, cold full backups of a stopped node's data directory,
// and the upkeep of the directory (invalidation after a truncation, retention, setting aside).
//
// Every data file is written under a temporary name, fsynced and renamed; its manifest follows
// the same way, so a manifest only ever names a complete file (backup_store.h).
// Not thread-safe; the ledger calls these from its one io_context thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backup/backup_store.h"
#include "common/status.h"

struct sqlite3;
struct sqlite3_backup;

namespace refpay {
class LedgerStore;
}

namespace refpay::backup {

// Work done per step() of a hot backup. Each step is short (a few milliseconds) so that the
// ledger's event loop serves payments between steps.
constexpr int kHotBackupPagesPerStep = 256;              // 1 MiB at SQLite's 4 KiB pages
constexpr std::size_t kHashBytesPerStep = 1024 * 1024;

// A hot (online) full backup of a running ledger, taken in bounded steps: first the SQLite
// online backup API copies kHotBackupPagesPerStep pages per step from the store's own connection
// (so commits made between steps are mirrored into the copy and the copy ends equal to the
// database as it is when the last page is copied), then the copy is hashed kHashBytesPerStep per
// step (starting its writeback as it goes), fsynced, renamed to full-<last_position>.sqlite, and
// its manifest written.
// The store must outlive the backup.
class HotBackup {
 public:
  static Result<std::unique_ptr<HotBackup>> start(const LedgerStore& store, const std::string& dir,
                                                  const std::string& node);
  ~HotBackup();  // an unfinished backup is abandoned and its temporary file removed
  HotBackup(const HotBackup&) = delete;
  HotBackup& operator=(const HotBackup&) = delete;

  // One bounded piece of work; true once the data file and its manifest are in place. After an
  // error the backup is abandoned (destroy it).
  Result<bool> step();
  // step() until done (tools, tests, the benchmark).
  Result<Manifest> run_to_end();
  // The manifest written; valid once step() returned true.
  const Manifest& manifest() const { return manifest_; }

 private:
  HotBackup(const LedgerStore& store, std::string dir, std::string node);
  Result<bool> copy_step();
  Result<bool> hash_step();
  Status finish();

  enum class Phase { copy, hash, done };
  const LedgerStore& store_;
  std::string dir_;
  std::string node_;
  std::string temp_path_;
  sqlite3* dest_ = nullptr;
  sqlite3_backup* backup_ = nullptr;
  int hash_fd_ = -1;
  std::vector<char> buffer_;  // one hash step's read
  Sha256 hash_;
  Phase phase_ = Phase::copy;
  Manifest manifest_;
};

// Writes the transfers after `after_position` (at most kSegmentEntriesMax of them) as one archive
// segment plus manifest; nullopt when the log holds nothing after `after_position`.
Result<std::optional<Manifest>> write_archive_segment(const LedgerStore& store, const std::string& dir,
                                                      const std::string& node, int64_t after_position);

// A cold full backup of a stopped node: checkpoints the WAL of data_dir/ledger.sqlite into the
// database file and copies that file (hashing as it copies) to backup_dir as
// full-<last_position>.sqlite with kind "cold". The caller holds the data directory's lock.
Result<Manifest> cold_backup(const std::string& data_dir, const std::string& backup_dir,
                             const std::string& node);

// Removes every full backup and archive segment whose last_position is past `position` (a
// truncation after a failover made them describe a history that no longer exists); returns how
// many were removed.
Result<int> remove_after(const std::string& dir, int64_t position);

// Retention: keeps the newest `fulls_kept` full backups and removes older ones together with the
// archive segments that end at or before the oldest full backup kept (no restore can use them).
Result<int> prune(const std::string& dir, int64_t fulls_kept);

// Moves backups into dir/superseded/ (kept for people; restores ignore that directory).
Status set_aside(const std::vector<CatalogEntry>& entries, const std::string& dir);

}  // namespace refpay::backup
