// A filled volume (disk.full): a ballast file in the node's tmpfs volume (lab/volumes.h), so
// that the node's writes get a real ENOSPC (DESIGN.md §2 "disk full").
//
// Privileges: write access to the node's volume (the controller mounted it, as root or in the
// lab's user namespace). No mount or capability is needed beyond that.
//
// apply:  `.firedrill-ballast` in the volume is grown (fallocate for the bulk, then page-sized
//         writes until ENOSPC) until the volume's use (statvfs: blocks - bfree) reaches `percent`
//         (1..100, default 100). Verified at 100 % when a one-page probe write
//         (`.firedrill-probe`, removed again) gets ENOSPC, below 100 % when the use is at least
//         percent - 1. If the node frees space meanwhile, the ballast is grown again until the
//         step deadline. The volume is filled once: space the node frees later is not re-taken.
//         Evidence: bytes_total, bytes_free before and after, ballast_bytes.
// revert: the ballast is unlinked (needs no space, so it works on a completely full tmpfs),
//         restoring the free space it took. Verified when bytes_free grew by about the ballast's
//         size and a one-page probe write succeeds; an empty ballast (the volume was already full
//         at the apply) gave nothing back, so nothing is probed. Idempotent: no ballast (already
//         reverted, or the volume emptied by storage.loss) or no volume is a success.
//
// Everything is done relative to a descriptor of the volume's directory (openat, unlinkat,
// O_NOFOLLOW), so a node that plants a symbolic link named like the ballast or the probe cannot
// make the controller write or delete outside its volume.
#include "lab/changes/lab_change.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "lab/volumes.h"
#include "place/retry_until.h"

namespace firedrill {
namespace {

using Clock = std::chrono::steady_clock;

// Pause between two looks at the volume.
constexpr std::chrono::microseconds kRetryIntervalUs{1'000};
// Size of one write() while filling; a write larger than the space left is a short write, so the
// size does not affect how full the volume gets, only the number of calls.
constexpr int64_t fill_chunk_bytes = 64 * 1024;
// Filling by write() stops after this many chunks beyond the volume's size (the node may be
// freeing space as fast as we fill it).
constexpr int64_t fill_chunks_slack = 16;

std::string errno_text(int error) { return std::strerror(error); }

int64_t page_bytes() { return sysconf(_SC_PAGESIZE); }

// Closes a file descriptor when it goes out of scope.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_;
};

// A volume's size and use, in bytes (statvfs counts in f_frsize units).
struct Usage {
  int64_t total = 0;
  int64_t used = 0;  // blocks - bfree
  int64_t free = 0;  // bavail: what an unprivileged writer could still write (Volumes::bytes_free)
  int64_t fragment = 0;
};

Result<Usage> usage_of(int fd) {
  struct statvfs s {};
  if (fstatvfs(fd, &s) != 0) return Status::error("fstatvfs: " + errno_text(errno));
  const auto unit = static_cast<int64_t>(s.f_frsize);
  return Usage{static_cast<int64_t>(s.f_blocks) * unit,
               static_cast<int64_t>(s.f_blocks - s.f_bfree) * unit,
               static_cast<int64_t>(s.f_bavail) * unit, unit};
}

// Bytes the file `name` in `dir` occupies on its volume; nullopt when it does not exist.
Result<std::optional<int64_t>> allocated_bytes(int dir, const char* name) {
  struct stat st {};
  if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return std::optional<int64_t>();
    return Status::error(std::string("fstatat ") + name + ": " + errno_text(errno));
  }
  return std::optional<int64_t>(static_cast<int64_t>(st.st_blocks) * 512);
}

// Appends zeros to `fd` until `bytes` are written or the volume is full (ENOSPC), at most
// `chunks_max` calls.
Status write_zeros(int fd, int64_t bytes, int64_t chunks_max) {
  static const std::vector<char> zeros(fill_chunk_bytes, 0);
  for (int64_t chunk = 0; bytes > 0 && chunk < chunks_max; ++chunk) {
    const auto size = static_cast<std::size_t>(std::min(bytes, fill_chunk_bytes));
    const ssize_t written = write(fd, zeros.data(), size);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0 && errno == ENOSPC) return Status::ok();
    if (written < 0) return Status::error("write: " + errno_text(errno));
    bytes -= written;
  }
  return Status::ok();
}

// Grows the ballast in `dir` until the volume's use reaches `percent` (at 100: until ENOSPC).
Status grow_ballast(int dir, int64_t percent) {
  UniqueFd fd(openat(dir, disk_ballast_name, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
                     0600));
  // A volume full to the last inode cannot even hold an empty ballast; it is full all the same.
  if (!fd.valid() && errno == ENOSPC && percent == 100) return Status::ok();
  if (!fd.valid()) return Status::error(std::string("open ") + disk_ballast_name + ": " + errno_text(errno));
  auto usage = usage_of(fd.get());
  if (!usage) return usage.status();
  const int64_t chunks_max = usage->total / fill_chunk_bytes + fill_chunks_slack;
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Status::error("fstat ballast: " + errno_text(errno));
  if (percent == 100) {
    // The bulk in one call; tmpfs undoes a fallocate that fails half-way, and the writes that
    // follow take whatever it left (the node writing meanwhile, or a file system without it).
    const int64_t bfree = usage->total - usage->used;
    if (bfree > 0) (void)fallocate(fd.get(), 0, st.st_size, bfree);
    return write_zeros(fd.get(), INT64_MAX, chunks_max);
  }
  const int64_t target_used = (usage->total * percent + 99) / 100;
  const int64_t missing = target_used - usage->used;
  if (missing <= 0) return Status::ok();
  const int64_t rounded = (missing + usage->fragment - 1) / usage->fragment * usage->fragment;
  if (fallocate(fd.get(), 0, st.st_size, rounded) == 0) return Status::ok();
  if (errno != EOPNOTSUPP && errno != ENOSPC) return Status::error("fallocate ballast: " + errno_text(errno));
  return write_zeros(fd.get(), rounded, chunks_max);
}

// Writes one page to a fresh probe file in `dir` and removes it again: true when the write was
// accepted, false on ENOSPC (creating or writing).
Result<bool> probe_write(int dir) {
  if (unlinkat(dir, disk_probe_name, 0) != 0 && errno != ENOENT) {
    return Status::error(std::string("unlink ") + disk_probe_name + ": " + errno_text(errno));
  }
  UniqueFd fd(openat(dir, disk_probe_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid() && errno == ENOSPC) return false;
  if (!fd.valid()) return Status::error(std::string("open ") + disk_probe_name + ": " + errno_text(errno));
  const std::vector<char> page(static_cast<std::size_t>(page_bytes()), 'p');
  ssize_t written;
  do {
    written = write(fd.get(), page.data(), page.size());
  } while (written < 0 && errno == EINTR);
  const int write_errno = errno;
  unlinkat(dir, disk_probe_name, 0);
  if (written < 0 && write_errno == ENOSPC) return false;
  if (written < 0) return Status::error(std::string("write ") + disk_probe_name + ": " + errno_text(write_errno));
  return true;
}

class VolumeFill : public LabChange {
 public:
  VolumeFill(LabContext& context, std::string node, int64_t percent)
      : node_(std::move(node)), percent_(percent), context_(context) {
    assert(percent_ >= 1);
    assert(percent_ <= 100);
  }

  void apply(PlaceDone done) override {
    const std::string what = "disk.full: node " + node_;
    boost::json::object evidence{{"node", node_}, {"percent", percent_}};
    if (context_.volumes == nullptr) return done(Status::error(what + ": the lab has no volumes"), evidence);
    const std::string path = context_.volumes->path(node_);
    evidence["path"] = path;
    auto dir = std::make_shared<UniqueFd>(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir->valid()) return done(Status::error(what + ": open " + path + ": " + errno_text(errno)), evidence);
    auto before = usage_of(dir->get());
    if (!before) return done(before.status().with_context(what + ": " + path), evidence);
    evidence["bytes_total"] = before->total;
    evidence["bytes_free_before"] = before->free;
    auto shared_done = std::make_shared<PlaceDone>(std::move(done));
    auto shared_evidence = std::make_shared<boost::json::object>(std::move(evidence));
    retry_until(
        context_.io, Clock::now() + context_.step_deadline, kRetryIntervalUs,
        [this, dir, what, shared_done, shared_evidence] {
          Status grown = grow_ballast(dir->get(), percent_);
          if (!grown) return finish(*shared_done, grown.with_context(what), dir->get(), *shared_evidence);
          Result<bool> full = is_full(dir->get(), *shared_evidence);
          if (!full) return finish(*shared_done, full.status().with_context(what), dir->get(), *shared_evidence);
          return *full && finish(*shared_done, Status::ok(), dir->get(), *shared_evidence);
        },
        [this, dir, what, shared_done, shared_evidence] {
          finish(*shared_done, Status::error(what + ": volume not " + std::to_string(percent_) +
                                             " % full before the step deadline"),
                 dir->get(), *shared_evidence);
        });
  }

  void revert(PlaceDone done) override {
    const std::string what = "disk.full revert: node " + node_;
    boost::json::object evidence{{"node", node_}};
    if (context_.volumes == nullptr) return done(Status::ok(), {{"node", node_}, {"volume", "gone"}});
    const std::string path = context_.volumes->path(node_);
    evidence["path"] = path;
    auto dir = std::make_shared<UniqueFd>(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir->valid() && errno == ENOENT) return done(Status::ok(), {{"node", node_}, {"volume", "gone"}});
    if (!dir->valid()) return done(Status::error(what + ": open " + path + ": " + errno_text(errno)), evidence);
    auto ballast = allocated_bytes(dir->get(), disk_ballast_name);
    if (!ballast) return done(ballast.status().with_context(what), evidence);
    if (!ballast->has_value()) {
      evidence["ballast"] = "absent";
      return done(Status::ok(), evidence);
    }
    auto before = usage_of(dir->get());
    if (!before) return done(before.status().with_context(what + ": " + path), evidence);
    if (unlinkat(dir->get(), disk_ballast_name, 0) != 0 && errno != ENOENT) {
      return done(Status::error(what + ": unlink " + disk_ballast_name + ": " + errno_text(errno)), evidence);
    }
    const int64_t ballast_bytes = **ballast;
    evidence["ballast_bytes"] = ballast_bytes;
    evidence["bytes_total"] = before->total;
    evidence["bytes_free_before"] = before->free;
    // An empty ballast (the volume was full before the apply) took nothing: nothing to give back,
    // and the volume may well stay full.
    if (ballast_bytes == 0) return done(Status::ok(), evidence);
    auto shared_done = std::make_shared<PlaceDone>(std::move(done));
    auto shared_evidence = std::make_shared<boost::json::object>(std::move(evidence));
    // "About the ballast's size": the node may write again as soon as there is room.
    const int64_t freed_min = ballast_bytes / 2;
    retry_until(
        context_.io, Clock::now() + context_.step_deadline, kRetryIntervalUs,
        [dir, what, shared_done, shared_evidence, freed_min, free_before = before->free] {
          Result<bool> restored = is_restored(dir->get(), free_before, freed_min, *shared_evidence);
          if (restored && !*restored) return false;
          (*shared_done)(restored.status().with_context(what), *shared_evidence);
          return true;
        },
        [what, shared_done, shared_evidence] {
          (*shared_done)(Status::error(what + ": space not freed, or a probe write refused, before the step deadline"),
                         *shared_evidence);
        });
  }

 private:
  // Whether the volume is as full as asked; records the probe's outcome in `evidence`.
  Result<bool> is_full(int dir, boost::json::object& evidence) const {
    if (percent_ == 100) {
      Result<bool> accepted = probe_write(dir);
      if (!accepted) return accepted.status();
      evidence["probe"] = *accepted ? "written" : "ENOSPC";
      return !*accepted;
    }
    auto usage = usage_of(dir);
    if (!usage) return usage.status();
    return usage->used * 100 >= (percent_ - 1) * usage->total;
  }

  // Whether the space is back: bytes_free grew by `freed_min` since `free_before`, and a probe
  // write is accepted. Records what it saw in `evidence`.
  static Result<bool> is_restored(int dir, int64_t free_before, int64_t freed_min,
                                  boost::json::object& evidence) {
    auto usage = usage_of(dir);
    if (!usage) return usage.status();
    evidence["bytes_free_after"] = usage->free;
    if (usage->free - free_before < freed_min) return false;
    Result<bool> accepted = probe_write(dir);
    if (!accepted) return accepted.status();
    evidence["probe"] = *accepted ? "written" : "ENOSPC";
    return *accepted;
  }

  // Calls `done` with `status` and the evidence completed by the volume's state now; true.
  bool finish(const PlaceDone& done, Status status, int dir, boost::json::object& evidence) const {
    if (auto usage = usage_of(dir)) {
      evidence["bytes_free_after"] = usage->free;
      evidence["bytes_used_after"] = usage->used;
    }
    if (auto ballast = allocated_bytes(dir, disk_ballast_name); ballast && ballast->has_value()) {
      evidence["ballast_bytes"] = **ballast;
    }
    done(std::move(status), evidence);
    return true;
  }

  std::string node_;
  int64_t percent_ = 100;
  LabContext& context_;
};

}  // namespace

std::unique_ptr<LabChange> make_volume_fill(LabContext& context, std::string node, int64_t percent) {
  return std::make_unique<VolumeFill>(context, std::move(node), percent);
}

}  // namespace firedrill
