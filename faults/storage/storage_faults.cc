// storage.loss and backup.corrupt; see storage_faults.h.
#include "storage/storage_faults.h"

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

#include "lab/volumes.h"
#include "poll_until.h"
#include "supervision/supervisor.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> split_nodes(const std::string& joined) {
  std::vector<std::string> nodes;
  std::stringstream in(joined);
  for (std::string node; std::getline(in, node, ',');) {
    if (!node.empty()) nodes.push_back(node);
  }
  return nodes;
}

bool volume_empty(const std::string& path) {
  std::error_code ec;
  return fs::is_empty(path, ec) && !ec;
}

int64_t entries_in(const std::string& path) {
  std::error_code ec;
  int64_t n = 0;
  for (auto it = fs::directory_iterator(path, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) ++n;
  return n;
}

class StorageLoss : public Fault {
 public:
  StorageLoss(const FaultSpec& spec, const std::string& nodes, FaultContext& context)
      : index_(spec.index), node_(nodes), nodes_(split_nodes(nodes)), context_(context) {
    if (auto it = spec.parameters.find("restore"); it != spec.parameters.end()) {
      restore_ = std::get<std::string>(it->second);
    }
  }
  const std::string& kind() const override { return kind_; }
  const std::string& node() const override { return node_; }

  void apply(FaultDone done) override {
    if (!context_.volumes) return done(Status::error("storage.loss: the lab has no volumes"), {});
    boost::json::array killed;
    for (const auto& node : nodes_) {
      auto pid = context_.supervisor.pid(node);
      if (pid) {
        Status sent = context_.supervisor.signal(node, SIGKILL, true);
        if (!sent) return done(sent.with_context("storage.loss"), {{"nodes", killed}});
      }
      killed.push_back(boost::json::object{{"node", node}, {"pid", pid.value_or(0)}});
    }
    // The disk goes once its writer is dead: emptying a volume under a live process would race it.
    poll_until(
        context_,
        [this] {
          for (const auto& node : nodes_) {
            if (context_.supervisor.running(node)) return false;
          }
          return true;
        },
        "storage.loss: " + node_ + ": exit",
        [killed] { return boost::json::object{{"nodes", killed}}; },
        [this, done = std::move(done)](Status s, boost::json::object evidence) {
          if (!s) return done(s, std::move(evidence));
          empty_volumes(std::move(evidence), done);
        });
  }

  void revert(FaultDone done) override {
    std::vector<std::string> down;
    for (const auto& node : nodes_) {
      if (!context_.supervisor.running(node)) down.push_back(node);
    }
    if (down.empty()) return done(Status::ok(), {{"nodes", node_}, {"already_running", true}});
    auto pending = std::make_shared<std::size_t>(down.size());
    auto restores = std::make_shared<boost::json::object>();
    auto restored = [this, down, pending, restores, done](const std::string& node, boost::json::object outcome) {
      (*restores)[node] = std::move(outcome);
      if (--*pending == 0) restart(down, std::move(*restores), done);
    };
    for (const auto& node : down) {
      if (restore_ == "none" || !context_.run_action) {
        restored(node, {{"action", "none"}});
        continue;
      }
      context_.run_action({index_, node, restore_, "restore"}, [node, restored, this](ActionOutcome o) {
        restored(node, {{"action", restore_}, {"succeeded", o.succeeded}, {"error", o.error},
                        {"duration_ms", static_cast<double>(o.duration_ns) / 1e6}, {"output", o.output}});
      });
    }
  }

 private:
  void empty_volumes(boost::json::object evidence, const FaultDone& done) {
    boost::json::array volumes;
    for (const auto& node : nodes_) {
      const std::string& path = context_.volumes->path(node);
      int64_t entries = entries_in(path);
      Status emptied = context_.volumes->empty(node);
      if (!emptied) return done(emptied.with_context("storage.loss: node " + node), std::move(evidence));
      const bool empty = volume_empty(path);
      volumes.push_back(boost::json::object{{"node", node}, {"entries_removed", entries}, {"empty", empty}});
      if (!empty) {
        evidence["volumes"] = std::move(volumes);
        return done(Status::error("storage.loss: node " + node + ": volume not empty after removal"),
                    std::move(evidence));
      }
    }
    evidence["volumes"] = std::move(volumes);
    done(Status::ok(), std::move(evidence));
  }

  void restart(const std::vector<std::string>& nodes, boost::json::object restores, FaultDone done) {
    restart_nodes(
        context_, nodes, "storage.loss revert: " + node_,
        [restores = std::move(restores)] { return boost::json::object{{"restores", restores}}; },
        std::move(done));
  }

  const std::string kind_ = "storage.loss";
  int index_;
  std::string node_;
  std::vector<std::string> nodes_;
  std::string restore_ = "restore";
  FaultContext& context_;
};

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

class BackupCorrupt : public Fault {
 public:
  BackupCorrupt(const FaultSpec& spec, std::string node, FaultContext& context)
      : node_(std::move(node)), context_(context) {
    if (auto it = spec.parameters.find("pattern"); it != spec.parameters.end()) {
      pattern_ = std::get<std::string>(it->second);
    }
  }
  const std::string& kind() const override { return kind_; }
  const std::string& node() const override { return node_; }

  void apply(FaultDone done) override {
    if (!context_.backup_dir) return done(Status::error("backup.corrupt: the drill has no backup store"), {});
    const std::string dir = context_.backup_dir(node_);
    // The system may not have written its first backup yet: wait for one, up to the deadline.
    poll_until(
        context_, [this, dir] { return newest_file(dir, pattern_).has_value(); },
        "backup.corrupt: node " + node_ + ": a file matching \"" + pattern_ + "\" in " + dir,
        [this, dir] { return boost::json::object{{"node", node_}, {"dir", dir}, {"pattern", pattern_}}; },
        [this, dir, done = std::move(done)](Status s, boost::json::object evidence) {
          if (!s) return done(s, std::move(evidence));
          flip(*newest_file(dir, pattern_), std::move(evidence), done);
        });
  }

  void revert(FaultDone done) override {
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
  void flip(const fs::path& file, boost::json::object evidence, const FaultDone& done) {
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

  const std::string kind_ = "backup.corrupt";
  std::string node_;
  std::string pattern_ = "*";
  FaultContext& context_;
  fs::path file_;
  int64_t offset_ = 0;
  unsigned char original_ = 0;
  bool corrupted_ = false;
};

}  // namespace

std::unique_ptr<Fault> make_storage_loss(const FaultSpec& spec, const std::string& node,
                                         FaultContext& context) {
  return std::make_unique<StorageLoss>(spec, node, context);
}

std::unique_ptr<Fault> make_backup_corrupt(const FaultSpec& spec, const std::string& node,
                                           FaultContext& context) {
  return std::make_unique<BackupCorrupt>(spec, node, context);
}

}  // namespace firedrill
