// A ledger node's own backups, on schedule: every node, primary or standby, backs up ITS OWN log
// into its backup directory (like pgBackRest taking backups from a standby). Every
// `full_interval_ms` a hot full backup (skipped when the log has not moved since the last one),
// every `archive_interval_ms` the transfers committed since the last archive segment.
//
// Work is done in bounded steps posted on the node's io_context (a hot backup copies 1 MiB of
// pages, or hashes 1 MiB, per step; an archive step writes one segment of at most 2,000
// transfers), so payments are served between steps and no step blocks the loop for long.
//
// Invalidation: when the store truncates a divergent tail after a failover, every backup whose
// last_position is past the truncation point is removed and archiving resumes from the highest
// position that remains. At start, backups that the node's log does not hold (past its last
// position, or with a different transfer at their last position: the data directory was lost,
// rebuilt or restored to an earlier point) are moved to `dir/superseded/` rather than deleted.
//
// Single-threaded: everything runs on the node's io_context. The store must outlive the agent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace boost::asio {
class io_context;
}

namespace refpay {
class LedgerStore;
}

namespace refpay::backup {

struct BackupOptions {
  std::string dir;                  // this node's backup directory; empty: backups off
  int64_t full_interval_ms = 0;     // hot full backup period; 0: none
  int64_t archive_interval_ms = 0;  // archive segment period; 0: none
  int64_t full_keep = 4;            // full backups kept (older ones and their segments removed)
  bool enabled() const { return !dir.empty() && (full_interval_ms > 0 || archive_interval_ms > 0); }
};

// What the agent has done, for /metrics and /internal/status.
struct BackupStats {
  int64_t full_position = -1;      // last_position of the newest full backup; -1: none
  int64_t archived_position = 0;   // the newest position in an archive segment
  int64_t full_backups = 0;        // written by this process
  int64_t segments = 0;
  int64_t failures = 0;
  int64_t invalidated = 0;         // backups removed after truncations
};

class BackupAgent {
 public:
  BackupAgent(boost::asio::io_context& io, LedgerStore& store, BackupOptions options, std::string node);
  ~BackupAgent();  // stops
  BackupAgent(const BackupAgent&) = delete;
  BackupAgent& operator=(const BackupAgent&) = delete;

  // Creates the directory, removes unfinished temporary files, sets aside backups the log does
  // not hold, listens for truncations and starts the timers.
  Status start();
  // Cancels the timers and abandons a hot backup in progress (its temporary file is removed).
  void stop();

  // A whole full backup, or archive pass, now and to the end (tests and the benchmark; the
  // timers use the stepped form).
  Status backup_now();
  Status archive_now();

  BackupStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace refpay::backup
