// What a power cut would take away (DESIGN.md §2, power loss): the record the durability-tracking
// volume keeps of every change not yet made durable, and the discard that undoes exactly those
// changes on the backing directory, as a machine losing power mid-flight would find its disk.
//
// The volume writes through to its backing directory at once (reads need no merging); the journal
// keeps what is needed to go back:
//   data: per file, the size at its last sync and the durable bytes each page overwritten since
//     held (saved once, at the page's first overwrite). fsync and fdatasync make the whole file
//     durable; an O_SYNC / O_DSYNC write reaches the volume as a write and an fsync.
//   names: every create, mkdir, link, symlink, mknod, unlink, rmdir and rename since the directory
//     it changed (a rename's destination directory) was last fsynced. A removed entry is moved to
//     the trash (a directory beside the data, never visible through the volume) until the removal
//     is durable, so that a discard can put it back.
// The discard (after every writer is dead): each file is cut back to its durable size and its
// saved pages written back; then the names are undone, newest first; then the trash is emptied.
// With torn writes, each file keeps a seeded number of leading blocks (512-byte sectors or 4 KiB
// pages) of its newest non-durable write, as a disk that lost power mid-write would.
//
// Not seen by the volume and so never durability: sync_file_range (it flushes no metadata and no
// disk cache on any filesystem), sync(2) and syncfs(2) (FUSE does not forward them).
//
// Thread-safety: none; the volume serialises every call (one FUSE thread, then the discard after
// that thread has stopped).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace firedrill {

// How a power cut treats the newest non-durable write of each file.
struct TornWrites {
  int64_t block_bytes = 0;  // 0: not torn (the whole write is lost); 512 or 4096: torn at that size
  uint64_t seed = 0;        // the same seed keeps the same blocks
};

// One file that lost data in a power cut.
struct DiscardedFile {
  std::string path;             // relative to the volume's root, as the file was last named
  int64_t bytes_unsynced = 0;   // bytes written since its last sync
  int64_t durable_size = 0;     // the size it came back with (before any torn blocks)
  int64_t torn_bytes_kept = 0;  // of its newest write, kept by a torn write
};

// One name change undone.
struct UndoneName {
  std::string what;  // "create", "mkdir", "unlink", "rmdir", "rename", ...
  std::string path;  // the name it made or removed (a rename: "from -> to")
};

// Everything a power cut took away.
struct DiscardReport {
  std::vector<DiscardedFile> files;
  std::vector<UndoneName> names;
  int64_t bytes_discarded = 0;  // sum of the files' bytes_unsynced less the torn bytes kept
  std::vector<std::string> errors;  // an undo that could not be made (named, never thrown)
};

// Counts over the volume's life, for the node's evidence: a node that writes long before its
// first fsync, or never syncs, shows it here.
struct DurabilityCounts {
  int64_t writes = 0;
  int64_t bytes_written = 0;
  int64_t fsyncs = 0;          // fsync / fdatasync of files
  int64_t directory_fsyncs = 0;
  int64_t bytes_before_first_fsync = 0;
  std::chrono::steady_clock::time_point since = std::chrono::steady_clock::now();  // the volume's start
  std::chrono::steady_clock::time_point first_fsync{};  // epoch when none yet
  std::chrono::steady_clock::time_point last_fsync{};
};

class DurabilityJournal {
 public:
  // `data_dir` and `trash_dir`: open directory fds on one filesystem (renames between them);
  // borrowed, they outlive the journal.
  DurabilityJournal(int data_dir, int trash_dir);
  ~DurabilityJournal();
  DurabilityJournal(const DurabilityJournal&) = delete;
  DurabilityJournal& operator=(const DurabilityJournal&) = delete;

  // ---- data: call with an O_PATH (or any) fd of the backing file, before the change ----
  // A write of `length` bytes at `offset` is about to happen.
  Status before_write(int file, off_t offset, size_t length);
  // It happened: `written` bytes.
  void after_write(int file, off_t offset, size_t written);
  // The size is about to change (truncate, O_TRUNC, fallocate).
  Status before_resize(int file, off_t new_size);
  // fsync / fdatasync / an O_SYNC write: all of the file's data is durable.
  void file_synced(int file);

  // ---- names: call after the change, with the directory's fd ----
  // `what` made the entry `name` in `dir` (create, mkdir, link, symlink, mknod).
  void made(const std::string& what, int dir, const std::string& name);
  // `what` moved the entry `name` of `dir` to the trash as `trash_name` (unlink, rmdir).
  void removed(const std::string& what, int dir, const std::string& name, const std::string& trash_name);
  // An entry moved; `replaced`: the trash name of the entry it replaced, or empty.
  void renamed(int from_dir, const std::string& from, int to_dir, const std::string& to,
               const std::string& replaced);
  // Two entries swapped (RENAME_EXCHANGE).
  void exchanged(int from_dir, const std::string& from, int to_dir, const std::string& to);
  // fsync of a directory: its name changes so far are durable (a durable removal frees its trash).
  void directory_synced(int dir);

  // A fresh name in the trash for an entry about to be removed.
  std::string trash_name();

  DurabilityCounts counts() const { return counts_; }

  // Undoes everything not durable (see the header comment). Call only when nothing writes to the
  // backing directory any more. Afterwards the journal is empty: everything left is durable.
  DiscardReport discard(const TornWrites& torn);

 private:
  struct FileState;
  struct NameChange;
  struct FileKey {
    dev_t dev;
    ino_t ino;
    bool operator<(const FileKey& o) const { return dev != o.dev ? dev < o.dev : ino < o.ino; }
  };

  Result<FileState*> tracked(int file);
  void forget_trash(const std::string& trash_name);
  void discard_data(FileState& state, const TornWrites& torn, DiscardReport& report);
  void undo(const NameChange& change, DiscardReport& report);

  int data_dir_;
  int trash_dir_;
  std::map<FileKey, std::unique_ptr<FileState>> files_;
  std::vector<NameChange> names_;
  uint64_t trash_counter_ = 0;
  DurabilityCounts counts_;
};

}  // namespace firedrill
