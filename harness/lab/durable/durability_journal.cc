// The record of what is not durable, and its discard; see durability_journal.h.
#include "lab/durable/durability_journal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>

namespace firedrill {
namespace {

constexpr off_t page_bytes = 4096;
// Clean files whose descriptor the journal keeps for their next write (a reopen per commit costs
// more than the write); past it a synced file's descriptor is closed. Files with data not yet
// durable are never dropped: the discard needs them.
constexpr std::size_t clean_files_kept_max = 256;

std::string fd_path(int fd) {
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char target[4096];
  const ssize_t n = readlink(link, target, sizeof target - 1);
  return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
}

std::string proc_fd(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Removes `name` in `dir` and, for a directory, everything under it (never following links).
void remove_tree_at(int dir, const std::string& name) {
  if (unlinkat(dir, name.c_str(), 0) == 0 || (errno != EISDIR && errno != EPERM)) return;
  const int sub = openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sub < 0) return;
  if (DIR* entries = fdopendir(dup(sub))) {
    std::vector<std::string> names;
    while (dirent* e = readdir(entries)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.push_back(e->d_name);
    }
    closedir(entries);
    for (const auto& n : names) remove_tree_at(sub, n);
  }
  close(sub);
  unlinkat(dir, name.c_str(), AT_REMOVEDIR);
}

}  // namespace

struct DurabilityJournal::FileState {
  int fd = -1;                           // the backing file, read-write, for the discard
  off_t durable_size = 0;
  std::map<off_t, std::string> saved;    // page index -> its durable bytes
  int64_t bytes_unsynced = 0;
  bool resized = false;
  off_t last_offset = 0;                 // the newest write, for torn writes
  size_t last_length = 0;
  ~FileState() {
    if (fd >= 0) close(fd);
  }
};

struct DurabilityJournal::NameChange {
  enum class Kind { made, removed, renamed, exchanged } kind;
  std::string what;
  FileKey durable_with{};  // the directory whose fsync makes it durable
  int from_dir = -1;       // owned O_PATH fds, closed when the change leaves the journal
  std::string from;
  int to_dir = -1;
  std::string to;
  std::string trash;       // removed: where the entry waits; renamed: the replaced entry, or empty
};

DurabilityJournal::DurabilityJournal(int data_dir, int trash_dir) : data_dir_(data_dir), trash_dir_(trash_dir) {}

DurabilityJournal::~DurabilityJournal() {
  for (const NameChange& c : names_) {
    if (c.from_dir >= 0) close(c.from_dir);
    if (c.to_dir >= 0) close(c.to_dir);
  }
}

Result<DurabilityJournal::FileState*> DurabilityJournal::tracked(int file) {
  struct stat st {};
  if (fstat(file, &st) != 0) return Status::error(std::string("fstat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return static_cast<FileState*>(nullptr);
  auto& slot = files_[FileKey{st.st_dev, st.st_ino}];
  if (slot) return slot.get();
  auto state = std::make_unique<FileState>();
  state->fd = open(proc_fd(file).c_str(), O_RDWR | O_CLOEXEC);
  if (state->fd < 0) {
    files_.erase(FileKey{st.st_dev, st.st_ino});
    return Status::error(std::string("reopen for the journal: ") + std::strerror(errno));
  }
  state->durable_size = st.st_size;
  slot = std::move(state);
  return slot.get();
}

// Saves the durable bytes of the pages [first, last] not saved yet.
static Status save_pages(int fd, off_t durable_size, off_t first, off_t last, std::map<off_t, std::string>& saved) {
  for (off_t page = first; page <= last && page * page_bytes < durable_size; ++page) {
    if (saved.count(page)) continue;
    const off_t start = page * page_bytes;
    std::string bytes(static_cast<size_t>(std::min(page_bytes, durable_size - start)), '\0');
    const ssize_t n = pread(fd, bytes.data(), bytes.size(), start);
    if (n < 0) return Status::error(std::string("save a page: ") + std::strerror(errno));
    bytes.resize(static_cast<size_t>(n));
    saved.emplace(page, std::move(bytes));
  }
  return Status::ok();
}

Status DurabilityJournal::before_write(int file, off_t offset, size_t length) {
  if (length == 0) return Status::ok();
  auto state = tracked(file);
  if (!state) return state.status();
  if (*state == nullptr) return Status::ok();
  FileState& s = **state;
  return save_pages(s.fd, s.durable_size, offset / page_bytes,
                    (offset + static_cast<off_t>(length) - 1) / page_bytes, s.saved);
}

void DurabilityJournal::after_write(int file, off_t offset, size_t written) {
  counts_.writes += 1;
  counts_.bytes_written += static_cast<int64_t>(written);
  if (counts_.fsyncs == 0) counts_.bytes_before_first_fsync += static_cast<int64_t>(written);
  struct stat st {};
  if (written == 0 || fstat(file, &st) != 0) return;
  auto it = files_.find(FileKey{st.st_dev, st.st_ino});
  if (it == files_.end()) return;
  it->second->bytes_unsynced += static_cast<int64_t>(written);
  it->second->last_offset = offset;
  it->second->last_length = written;
}

Status DurabilityJournal::before_resize(int file, off_t new_size) {
  auto state = tracked(file);
  if (!state) return state.status();
  if (*state == nullptr) return Status::ok();
  FileState& s = **state;
  s.resized = true;
  if (new_size >= s.durable_size) return Status::ok();
  return save_pages(s.fd, s.durable_size, new_size / page_bytes, (s.durable_size - 1) / page_bytes, s.saved);
}

void DurabilityJournal::file_synced(int file) {
  counts_.fsyncs += 1;
  const auto now = std::chrono::steady_clock::now();
  if (counts_.fsyncs == 1) counts_.first_fsync = now;
  counts_.last_fsync = now;
  struct stat st {};
  if (fstat(file, &st) != 0) return;
  // Clean, not forgotten: its descriptor is kept for the next write (a reopen per commit would
  // cost more than the write).
  auto it = files_.find(FileKey{st.st_dev, st.st_ino});
  if (it == files_.end()) return;
  if (files_.size() > clean_files_kept_max) {
    files_.erase(it);
    return;
  }
  FileState& s = *it->second;
  s.durable_size = st.st_size;
  s.saved.clear();
  s.bytes_unsynced = 0;
  s.resized = false;
  s.last_length = 0;
}

void DurabilityJournal::made(const std::string& what, int dir, const std::string& name) {
  struct stat st {};
  fstat(dir, &st);
  names_.push_back(NameChange{NameChange::Kind::made, what, {st.st_dev, st.st_ino},
                              open(proc_fd(dir).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC), name, -1, "", ""});
}

void DurabilityJournal::removed(const std::string& what, int dir, const std::string& name,
                                const std::string& trash_name) {
  struct stat st {};
  fstat(dir, &st);
  names_.push_back(NameChange{NameChange::Kind::removed, what, {st.st_dev, st.st_ino},
                              open(proc_fd(dir).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC), name, -1, "",
                              trash_name});
}

void DurabilityJournal::renamed(int from_dir, const std::string& from, int to_dir, const std::string& to,
                                const std::string& replaced) {
  struct stat st {};
  fstat(to_dir, &st);
  names_.push_back(NameChange{NameChange::Kind::renamed, "rename", {st.st_dev, st.st_ino},
                              open(proc_fd(from_dir).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC), from,
                              open(proc_fd(to_dir).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC), to, replaced});
}

void DurabilityJournal::exchanged(int from_dir, const std::string& from, int to_dir, const std::string& to) {
  struct stat st {};
  fstat(to_dir, &st);
  names_.push_back(NameChange{NameChange::Kind::exchanged, "exchange", {st.st_dev, st.st_ino},
                              open(proc_fd(from_dir).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC), from,
                              open(proc_fd(to_dir).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC), to, ""});
}

void DurabilityJournal::directory_synced(int dir) {
  counts_.directory_fsyncs += 1;
  struct stat st {};
  if (fstat(dir, &st) != 0) return;
  const FileKey key{st.st_dev, st.st_ino};
  std::vector<NameChange> kept;
  for (NameChange& c : names_) {
    if (c.durable_with.dev != key.dev || c.durable_with.ino != key.ino) {
      kept.push_back(std::move(c));
      continue;
    }
    // Durable: a removed or replaced entry is gone for good, and so is any descriptor the journal
    // kept of it (which would hold its space).
    if (!c.trash.empty()) {
      struct stat gone {};
      // Only its last name: a file still linked elsewhere keeps what it has not made durable.
      if (fstatat(trash_dir_, c.trash.c_str(), &gone, AT_SYMLINK_NOFOLLOW) == 0 && gone.st_nlink <= 1) {
        files_.erase(FileKey{gone.st_dev, gone.st_ino});
      }
      remove_tree_at(trash_dir_, c.trash);
    }
    if (c.from_dir >= 0) close(c.from_dir);
    if (c.to_dir >= 0) close(c.to_dir);
  }
  names_ = std::move(kept);
}

std::string DurabilityJournal::trash_name() {
  return "t" + std::to_string(++trash_counter_);
}

void DurabilityJournal::discard_data(FileState& s, const TornWrites& torn, DiscardReport& report) {
  struct stat st {};
  fstat(s.fd, &st);
  if (s.bytes_unsynced == 0 && !s.resized && st.st_size == s.durable_size && s.saved.empty()) return;
  DiscardedFile lost;
  const std::string data_root = fd_path(data_dir_);
  lost.path = fd_path(s.fd);
  if (lost.path.rfind(data_root + "/", 0) == 0) {
    lost.path = lost.path.substr(data_root.size() + 1);
  } else {
    lost.path = "(removed) " + lost.path.substr(lost.path.find_last_of('/') + 1);
  }
  lost.bytes_unsynced = s.bytes_unsynced;
  lost.durable_size = s.durable_size;
  // A torn write keeps the first k blocks of the newest write, k seeded per file.
  std::string kept;
  off_t kept_at = 0;
  if (torn.block_bytes > 0 && s.last_length > 0) {
    const off_t block = torn.block_bytes;
    const off_t first = s.last_offset / block;
    const off_t end = s.last_offset + static_cast<off_t>(s.last_length);
    const off_t blocks = (end + block - 1) / block - first;
    // Seeded by the file's name, not its inode number, so that a rerun tears the same way.
    const off_t k = static_cast<off_t>(splitmix64(torn.seed ^ std::hash<std::string>{}(lost.path)) %
                                       static_cast<uint64_t>(blocks + 1));
    const off_t keep_end = std::min(end, (first + k) * block);
    if (keep_end > s.last_offset) {
      kept.resize(static_cast<size_t>(keep_end - s.last_offset));
      const ssize_t n = pread(s.fd, kept.data(), kept.size(), s.last_offset);
      kept.resize(n > 0 ? static_cast<size_t>(n) : 0);
      kept_at = s.last_offset;
    }
  }
  if (ftruncate(s.fd, s.durable_size) != 0) {
    report.errors.push_back(lost.path + ": truncate: " + std::strerror(errno));
  }
  for (const auto& [page, bytes] : s.saved) {
    if (pwrite(s.fd, bytes.data(), bytes.size(), page * page_bytes) != static_cast<ssize_t>(bytes.size())) {
      report.errors.push_back(lost.path + ": restore a page: " + std::strerror(errno));
    }
  }
  if (!kept.empty() && pwrite(s.fd, kept.data(), kept.size(), kept_at) == static_cast<ssize_t>(kept.size())) {
    lost.torn_bytes_kept = static_cast<int64_t>(kept.size());
  }
  report.bytes_discarded += std::max<int64_t>(0, lost.bytes_unsynced - lost.torn_bytes_kept);
  report.files.push_back(std::move(lost));
}

// Undoes one name change. A name already gone, or taken again, by a change that was made durable
// since (a directory removed, or the name reused, and its directory synced) leaves nothing to
// undo: that change stands, as on the disk.
void DurabilityJournal::undo(const NameChange& c, DiscardReport& report) {
  auto relative = [this](int dir, const std::string& name) {
    std::string root = fd_path(data_dir_), path = fd_path(dir);
    path = path.rfind(root, 0) == 0 ? path.substr(root.size()) : path;
    return (path.empty() ? "" : path.substr(1) + "/") + name;
  };
  // Ok when done; false when there was nothing to undo; an error otherwise (reported).
  auto step = [&](int result, const std::string& what) {
    if (result == 0) return true;
    if (errno != ENOENT && errno != EEXIST && errno != ENOTEMPTY) {
      report.errors.push_back("undo " + c.what + " " + relative(c.from_dir, c.from) + ": " + what + ": " +
                              std::strerror(errno));
    }
    return false;
  };
  switch (c.kind) {
    case NameChange::Kind::made:
      // Into the trash, which is emptied at the end: the entry may be a whole directory.
      if (!step(renameat(c.from_dir, c.from.c_str(), trash_dir_, trash_name().c_str()), "remove")) return;
      report.names.push_back({c.what, relative(c.from_dir, c.from)});
      break;
    case NameChange::Kind::removed:
      if (!step(renameat2(trash_dir_, c.trash.c_str(), c.from_dir, c.from.c_str(), RENAME_NOREPLACE), "put back")) {
        return;
      }
      report.names.push_back({c.what, relative(c.from_dir, c.from)});
      break;
    case NameChange::Kind::renamed:
      if (!step(renameat2(c.to_dir, c.to.c_str(), c.from_dir, c.from.c_str(), RENAME_NOREPLACE), "move back")) {
        return;
      }
      if (!c.trash.empty()) {
        step(renameat2(trash_dir_, c.trash.c_str(), c.to_dir, c.to.c_str(), RENAME_NOREPLACE),
             "put back the replaced entry");
      }
      report.names.push_back({c.what, relative(c.from_dir, c.from) + " -> " + relative(c.to_dir, c.to)});
      break;
    case NameChange::Kind::exchanged:
      if (!step(renameat2(c.from_dir, c.from.c_str(), c.to_dir, c.to.c_str(), RENAME_EXCHANGE), "exchange back")) {
        return;
      }
      report.names.push_back({c.what, relative(c.from_dir, c.from) + " <-> " + relative(c.to_dir, c.to)});
      break;
  }
}

DiscardReport DurabilityJournal::discard(const TornWrites& torn) {
  DiscardReport report;
  // Data first, through each file's own fd: it reaches files whose names are about to go.
  for (auto& [key, state] : files_) discard_data(*state, torn, report);
  files_.clear();
  for (auto it = names_.rbegin(); it != names_.rend(); ++it) undo(*it, report);
  for (const NameChange& c : names_) {
    if (c.from_dir >= 0) close(c.from_dir);
    if (c.to_dir >= 0) close(c.to_dir);
  }
  names_.clear();
  // Whatever waits in the trash now was removed durably or made by a change just undone.
  if (DIR* entries = fdopendir(openat(trash_dir_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC))) {
    std::vector<std::string> left;
    while (dirent* e = readdir(entries)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) left.push_back(e->d_name);
    }
    closedir(entries);
    for (const auto& name : left) remove_tree_at(trash_dir_, name);
  }
  return report;
}

}  // namespace firedrill
