// One mount of the durability-tracking filesystem: a FUSE filesystem (libfuse3's low-level API)
// that passes every operation through to a backing directory and tells the journal
// (durability_journal.h) what changed, served by a thread of the controller. It is mounted with
// mount(2) on /dev/fuse directly (no fusermount3), so it works as root and, where the kernel
// allows FUSE mounts there, in the lab's user namespace; the /dev/fuse descriptor is close-on-exec
// and held by the controller alone, so when the controller dies the kernel aborts the connection
// and the mount goes with the lab's mount namespace.
//
// Two ways to meet writes:
//   write-back (the kernel's page cache holds writes and hands them over in pages, as on a disk):
//     fsync (and an O_SYNC/O_DSYNC write) flushes them to the filesystem before the fsync
//     arrives, and a cut loses both what the filesystem held and what the kernel still held. A
//     fraction of one request per write(2): refpay keeps more than half its throughput. But the
//     kernel cannot know the space left, so a full volume's ENOSPC arrives at fsync or close,
//     not at write(2).
//   write-through (each write(2) one request): ENOSPC at write(2), as on a local disk. For a node
//     a disk.full can also reach, whose system must meet a full disk as it would on a real one.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"
#include "lab/durable/durability_journal.h"

namespace firedrill {

class DurableMount {
 public:
  // Mounts over `mount_point` a filesystem showing `data_dir` (an open directory fd, borrowed);
  // removed entries go to `trash_dir` (same filesystem, borrowed). Every journal call is made
  // holding `lock`. Errors say why the kernel refused ("no /dev/fuse", "FUSE mounts are not
  // allowed in this user namespace").
  static Result<std::unique_ptr<DurableMount>> start(const std::string& mount_point, int data_dir, int trash_dir,
                                                     DurabilityJournal& journal, std::mutex& lock, bool write_back);
  // Unmounts (detached) and waits until the kernel ends the connection, which it does once no
  // process uses the volume; past `grace`, the connection is aborted (a process still inside
  // gets ENOTCONN). Returns false in that case. Idempotent.
  bool stop(std::chrono::milliseconds grace);
  ~DurableMount();

  DurableMount(const DurableMount&) = delete;
  DurableMount& operator=(const DurableMount&) = delete;

  struct Impl;

 private:
  explicit DurableMount(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace firedrill
