// An exclusive advisory lock on a ledger's data directory (flock on `data_dir/.lock`), so that
// nothing rewrites the SQLite files of a running node: refpay-ledger holds it for its lifetime,
// refpay-backup cold and refpay-restore take it before they touch the directory.
//
// The lock dies with the process that holds it (a SIGKILLed node leaves no stale lock). The
// lock file records the holder's pid, for the message of whoever is refused.
#pragma once

#include <string>

#include "common/status.h"

namespace refpay {

class DataDirLock {
 public:
  // Creates `data_dir` (and the lock file) if needed and takes the lock without waiting. Held:
  // an error "data dir D is in use (locked by pid N)".
  static Result<DataDirLock> acquire(const std::string& data_dir);
  // Whether another process holds the lock now, without creating anything; the holder's pid in
  // `pid` when known. A directory or lock file that does not exist is not locked.
  static bool is_locked(const std::string& data_dir, long* pid = nullptr);

  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();  // releases the lock (the file stays)

  // The lock file's name inside a data directory.
  static constexpr const char* kFileName = ".lock";

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace refpay
