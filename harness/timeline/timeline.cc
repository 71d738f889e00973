// The drill timeline; see timeline.h.
#include "timeline/timeline.h"

#include "core/sha256.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace firedrill {
namespace {

std::string utc_now() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  std::tm tm{};
  gmtime_r(&now.tv_sec, &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000);
  return out;
}

}  // namespace

Result<std::unique_ptr<Timeline>> Timeline::create(const std::string& path, HarnessStart anchor) {
  anchor.utc = utc_now();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::error("timeline " + path + ": " + std::strerror(errno));
  std::unique_ptr<Timeline> timeline(new Timeline(path, fd));
  timeline->write(anchor);
  if (Status s = timeline->status(); !s) return s;
  return timeline;
}

Timeline::Timeline(std::string path, int fd)
    : path_(std::move(path)), fd_(fd), start_(std::chrono::steady_clock::now()),
      prev_(64, '0') {}

Timeline::~Timeline() {
  if (fd_ >= 0) ::close(fd_);
}

int64_t Timeline::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_)
      .count();
}

int64_t Timeline::record(std::string_view source, std::string_view kind, boost::json::object fields) {
  std::lock_guard lock(mutex_);
  // The time is taken under the lock so that records are in time order in the file.
  int64_t t = now_ns();
  write_line(format_line(seq_++, t, source, kind, std::move(fields), prev_));
  return t;
}

void Timeline::write_line(std::string line) {
  prev_ = sha256_hex(line);
  line.push_back('\n');
  const char* data = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (error_.empty()) error_ = "timeline " + path_ + ": " + std::strerror(errno);
      return;
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

Status Timeline::status() const {
  std::lock_guard lock(mutex_);
  return error_.empty() ? Status::ok() : Status::error(error_);
}

std::string Timeline::head() const {
  std::lock_guard lock(mutex_);
  return prev_;
}

int64_t Timeline::records() const {
  std::lock_guard lock(mutex_);
  return seq_;
}

std::string format_offset(int64_t t_ns) {
  char out[32];
  std::snprintf(out, sizeof out, "%.3fs", static_cast<double>(t_ns) / 1e9);
  return out;
}

}  // namespace firedrill
