// ClockControlFile; see clock_control_file.h. The seqlock's reader side is in shim/clock_shim.cc.
#include "lab/clock/clock_control_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bit>
#include <cassert>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>

namespace firedrill {
namespace {

constexpr int64_t ns_per_s = 1'000'000'000;
// The mode of a created page: the controller writes it; node processes of the same user write
// their acknowledgements, others only read it (the shim then maps it read-only and shows the skew
// without acknowledging).
constexpr mode_t clock_control_mode = 0644;
// How often seen() retries while the shim keeps rewriting the acknowledgement under it.
constexpr int seen_retries_max = 1'000;

std::string errno_text(int error) { return std::strerror(error); }

Status system_error(const std::string& what, const std::string& path, int error) {
  return Status::error("clock control: " + what + " " + path + ": " + errno_text(error));
}

int64_t realtime_ns() {
  timespec now{};
  const int result = clock_gettime(CLOCK_REALTIME, &now);
  assert(result == 0);
  (void)result;
  return int64_t{now.tv_sec} * ns_per_s + now.tv_nsec;
}

// Maps the page of the open file `fd` read-write.
Result<ClockControl*> map_page(int fd, const std::string& path) {
  void* page = mmap(nullptr, clock_control_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (page == MAP_FAILED) return system_error("mmap", path, errno);
  return static_cast<ClockControl*>(page);
}

}  // namespace

Result<ClockControlFile> ClockControlFile::create(const std::string& path) {
  const std::string temporary = path + ".tmp." + std::to_string(getpid());
  const int fd = ::open(temporary.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, clock_control_mode);
  if (fd < 0) return system_error("create", temporary, errno);
  // Not the umask's mode: the shim decides between read-write and read-only on it.
  Status prepared;
  if (fchmod(fd, clock_control_mode) != 0) {
    prepared = system_error("chmod", temporary, errno);
  } else if (ftruncate(fd, static_cast<off_t>(clock_control_bytes)) != 0) {
    prepared = system_error("resize", temporary, errno);
  }
  Result<ClockControl*> page = prepared ? map_page(fd, temporary) : Result<ClockControl*>(prepared);
  ::close(fd);
  if (!page) {
    ::unlink(temporary.c_str());
    return page.status();
  }
  // The file is all zeros; the identity's rate is 1, whose bits are not zero.
  ClockControlFile control(path, *page);
  (*page)->magic = clock_control_magic;
  (*page)->rate_bits.store(std::bit_cast<uint64_t>(1.0), std::memory_order_relaxed);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return system_error("rename " + temporary + " to", path, error);
  }
  return control;
}

Result<ClockControlFile> ClockControlFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return system_error("open", path, errno);
  struct stat status {};
  if (fstat(fd, &status) != 0) {
    const int error = errno;
    ::close(fd);
    return system_error("stat", path, error);
  }
  // A read of a mapped page wholly past the end of the file (an empty one) raises SIGBUS.
  if (!S_ISREG(status.st_mode) || status.st_size < static_cast<off_t>(clock_control_bytes)) {
    ::close(fd);
    return Status::error("clock control: open " + path + ": not a clock control page (" +
                         std::to_string(status.st_size) + " bytes, expected " +
                         std::to_string(clock_control_bytes) + ")");
  }
  Result<ClockControl*> page = map_page(fd, path);
  ::close(fd);
  if (!page) return page.status();
  ClockControlFile control(path, *page);
  if ((*page)->magic != clock_control_magic) {
    return Status::error("clock control: open " + path + ": not a clock control page (bad magic)");
  }
  return control;
}

ClockControlFile::ClockControlFile(ClockControlFile&& other) noexcept
    : path_(std::move(other.path_)), page_(std::exchange(other.page_, nullptr)) {}

ClockControlFile& ClockControlFile::operator=(ClockControlFile&& other) noexcept {
  if (this != &other) {
    if (page_ != nullptr) munmap(page_, clock_control_bytes);
    path_ = std::move(other.path_);
    page_ = std::exchange(other.page_, nullptr);
  }
  return *this;
}

ClockControlFile::~ClockControlFile() {
  if (page_ != nullptr) munmap(page_, clock_control_bytes);
}

Status ClockControlFile::set(int64_t offset_ns, double rate) {
  assert(page_ != nullptr);
  if (offset_ns < -clock_offset_ns_max || offset_ns > clock_offset_ns_max) {
    return Status::error("clock control: set " + path_ + ": offset " + std::to_string(offset_ns) +
                         " ns is beyond ±" + std::to_string(clock_offset_ns_max) + " ns");
  }
  // Written so that NaN fails too.
  if (!(rate >= clock_rate_min && rate <= clock_rate_max)) {
    char text[64];
    std::snprintf(text, sizeof text, "%g", rate);
    return Status::error("clock control: set " + path_ + ": rate " + text + " is outside [" +
                         std::to_string(clock_rate_min) + ", " + std::to_string(clock_rate_max) + "]");
  }
  const int64_t now_ns = realtime_ns();
  write(now_ns, now_ns + offset_ns, rate);
  return Status::ok();
}

Status ClockControlFile::reset() {
  assert(page_ != nullptr);
  write(0, 0, 1.0);
  return Status::ok();
}

uint64_t ClockControlFile::generation() const {
  assert(page_ != nullptr);
  return page_->generation.load(std::memory_order_acquire);
}

ClockControlFile::Seen ClockControlFile::seen() const {
  assert(page_ != nullptr);
  Seen seen;
  // The shim writes the fields, then seen_generation (release); a generation unchanged across
  // the read means the fields belong to it, unless the shim is rewriting them all the time.
  for (int attempt = 0; attempt < seen_retries_max; ++attempt) {
    seen.generation = page_->seen_generation.load(std::memory_order_acquire);
    seen.pid = page_->seen_pid.load(std::memory_order_relaxed);
    seen.real_ns = page_->seen_real_ns.load(std::memory_order_relaxed);
    seen.fake_ns = page_->seen_fake_ns.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (page_->seen_generation.load(std::memory_order_relaxed) == seen.generation) break;
  }
  return seen;
}

void ClockControlFile::write(int64_t real_anchor_ns, int64_t fake_anchor_ns, double rate) {
  // Odd while writing: a reader that sees odd, or a different value after its read, retries.
  const uint32_t sequence = page_->sequence.load(std::memory_order_relaxed);
  page_->sequence.store(sequence + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  page_->real_anchor_ns.store(real_anchor_ns, std::memory_order_relaxed);
  page_->fake_anchor_ns.store(fake_anchor_ns, std::memory_order_relaxed);
  page_->rate_bits.store(std::bit_cast<uint64_t>(rate), std::memory_order_relaxed);
  page_->generation.store(page_->generation.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  page_->sequence.store(sequence + 2, std::memory_order_release);
}

}  // namespace firedrill
