// flock on data_dir/.lock; see data_dir_lock.h.
#include "ledger/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace refpay {
namespace {

std::string lock_path(const std::string& data_dir) {
  return data_dir + "/" + DataDirLock::kFileName;
}

// The pid written in an open lock file, or 0.
long holder_pid(int fd) {
  char text[32] = {};
  ssize_t n = pread(fd, text, sizeof text - 1, 0);
  return n > 0 ? std::strtol(text, nullptr, 10) : 0;
}

std::string in_use(const std::string& data_dir, long pid) {
  return "data dir " + data_dir + " is in use (locked by " +
         (pid > 0 ? "pid " + std::to_string(pid) : std::string("another process")) + ")";
}

}  // namespace

Result<DataDirLock> DataDirLock::acquire(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::error("lock data dir " + data_dir + ": " + ec.message());
  std::string path = lock_path(data_dir);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::error("lock " + path + ": " + std::strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    long pid = holder_pid(fd);
    ::close(fd);
    if (error == EWOULDBLOCK) return Status::error(in_use(data_dir, pid));
    return Status::error("lock " + path + ": " + std::strerror(error));
  }
  std::string pid = std::to_string(static_cast<long>(getpid())) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is only for messages; the lock itself holds.
  }
  return DataDirLock(fd);
}

bool DataDirLock::is_locked(const std::string& data_dir, long* pid) {
  int fd = ::open(lock_path(data_dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool locked = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  if (locked && pid) *pid = holder_pid(fd);
  ::close(fd);  // also drops the shared lock taken when it was free
  return locked;
}

DataDirLock::DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace refpay
