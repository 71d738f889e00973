// A corrupted backup (backup.corrupt): bit rot in the backup store. The newest regular file in the
// node's backup directory ({backup_dir}) whose name matches the glob `pattern` (waiting up to the
// step deadline for one to appear) gets the byte at its middle inverted (pwrite + fsync). Verified
// when the byte reads back inverted. Evidence: the file's path, offset, bytes, the byte before and
// after. Revert writes the original byte back, if the file is still there and the byte is still the
// inverted one (the system may have replaced or deleted the file). Idempotent.
// Privileges: write access to the drill's backup store (run_dir/backup-store, the controller's).
#include "lab/changes/lab_change.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <optional>
#include <sstream>
#include <vector>

#include "place/retry_until.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

// The newest regular file in `dir` whose name matches `pattern` (ties: the greatest name).
std::optional<fs::path> newest_file(const std::string& dir, const std::string& pattern) {
  std::optional<fs::path> best;
  fs::file_time_type best_time;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code entry_ec;
    if (!it->is_regular_file(entry_ec) || it->is_symlink(entry_ec)) continue;
    std::string name = it->path().filename().string();
    if (::fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
    auto time = it->last_write_time(entry_ec);
    if (entry_ec) continue;
    if (!best || time > best_time || (time == best_time && it->path() > *best)) {
      best = it->path();
      best_time = time;
    }
  }
  return best;
}

// One byte of `path` at `offset`, read or written without following symbolic links.
std::optional<unsigned char> read_byte(const fs::path& path, int64_t offset) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  unsigned char byte = 0;
  ssize_t n = ::pread(fd, &byte, 1, offset);
  ::close(fd);
  return n == 1 ? std::optional(byte) : std::nullopt;
}

Status write_byte(const fs::path& path, int64_t offset, unsigned char byte) {
  int fd = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Status::error("open " + path.string() + ": " + std::strerror(errno));
  bool ok = ::pwrite(fd, &byte, 1, offset) == 1 && ::fsync(fd) == 0;
  int error = errno;
  ::close(fd);
  if (!ok) return Status::error("write " + path.string() + ": " + std::strerror(error));
  return Status::ok();
}

class BackupCorruption : public LabChange {
 public:
  BackupCorruption(LabContext& context, std::string node, std::string pattern)
      : node_(std::move(node)), pattern_(std::move(pattern)), context_(context) {}

  void apply(PlaceDone done) override {
    if (!context_.backup_dir) return done(Status::error("backup.corrupt: the drill has no backup store"), {});
    const std::string dir = context_.backup_dir(node_);
    // The system may not have written its first backup yet: wait for one, up to the deadline.
    wait_until(
        context_.io, context_.step_deadline, [this, dir] { return newest_file(dir, pattern_).has_value(); },
        "backup.corrupt: node " + node_ + ": a file matching \"" + pattern_ + "\" in " + dir,
        [this, dir] { return boost::json::object{{"node", node_}, {"dir", dir}, {"pattern", pattern_}}; },
        [this, dir, done = std::move(done)](Status s, boost::json::object evidence) {
          if (!s) return done(s, std::move(evidence));
          flip(*newest_file(dir, pattern_), std::move(evidence), done);
        });
  }

  void revert(PlaceDone done) override {
    boost::json::object evidence{{"node", node_}};
    if (!corrupted_) return done(Status::ok(), {{"node", node_}, {"nothing_corrupted", true}});
    evidence["file"] = file_.string();
    auto now = read_byte(file_, offset_);
    if (!now || *now != static_cast<unsigned char>(~original_)) {
      evidence["left_alone"] = now ? "the byte was changed since" : "the file is gone";
      corrupted_ = false;
      return done(Status::ok(), std::move(evidence));
    }
    if (Status s = write_byte(file_, offset_, original_); !s) return done(s.with_context("backup.corrupt revert"), evidence);
    corrupted_ = false;
    evidence["restored"] = read_byte(file_, offset_) == original_;
    done(Status::ok(), std::move(evidence));
  }

 private:
  void flip(const fs::path& file, boost::json::object evidence, const PlaceDone& done) {
    std::error_code ec;
    int64_t bytes = static_cast<int64_t>(fs::file_size(file, ec));
    evidence["file"] = file.string();
    if (ec || bytes == 0) {
      return done(Status::error("backup.corrupt: " + file.string() + ": empty or unreadable"), std::move(evidence));
    }
    int64_t offset = bytes / 2;
    auto before = read_byte(file, offset);
    if (!before) return done(Status::error("backup.corrupt: read " + file.string()), std::move(evidence));
    auto inverted = static_cast<unsigned char>(~*before);
    if (Status s = write_byte(file, offset, inverted); !s) return done(s.with_context("backup.corrupt"), std::move(evidence));
    file_ = file;
    offset_ = offset;
    original_ = *before;
    corrupted_ = true;
    auto after = read_byte(file, offset);
    evidence["bytes"] = bytes;
    evidence["offset"] = offset;
    evidence["byte_before"] = static_cast<int>(*before);
    evidence["byte_after"] = after ? static_cast<int>(*after) : -1;
    if (after != inverted) {
      return done(Status::error("backup.corrupt: " + file.string() + ": the byte did not change"), std::move(evidence));
    }
    done(Status::ok(), std::move(evidence));
  }

  std::string node_;
  std::string pattern_ = "*";
  LabContext& context_;
  fs::path file_;
  int64_t offset_ = 0;
  unsigned char original_ = 0;
  bool corrupted_ = false;
};

}  // namespace

std::unique_ptr<LabChange> make_backup_corruption(LabContext& context, std::string node, std::string pattern) {
  return std::make_unique<BackupCorruption>(context, std::move(node), std::move(pattern));
}

}  // namespace firedrill
