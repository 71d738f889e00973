// A node's data volume that can lose power (DESIGN.md §2, power loss): the durability-tracking
// filesystem (durable_mount.h) over the node's tmpfs, with its journal (durability_journal.h).
// The tmpfs holds two directories: `data`, which the node sees as its whole volume, and `.trash`,
// where removed entries wait until their removal is durable (they count against the volume's size
// until then). The filesystem is mounted over the tmpfs's own mount point, so the node's path does
// not change; the backing directories are reached through descriptors opened before.
//
// A power cut is a reboot of the volume: the filesystem is unmounted (the node must be dead), the
// journal's discard undoes what was not durable, and the filesystem is mounted afresh (the kernel
// keeps no cached page of the old one).
//
// Thread-safety: counts() from any thread; the rest from one thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"
#include "lab/durable/durability_journal.h"
#include "lab/durable/durable_mount.h"

namespace firedrill {

class DurableVolume {
 public:
  // `tmpfs_root`: a mounted tmpfs (its mount point); the filesystem is mounted over it, meeting
  // writes through the kernel's write-back cache or one by one (durable_mount.h).
  static Result<std::unique_ptr<DurableVolume>> create(const std::string& tmpfs_root, bool write_back);
  ~DurableVolume();
  DurableVolume(const DurableVolume&) = delete;
  DurableVolume& operator=(const DurableVolume&) = delete;

  // Loses power: unmounts (a process still using the volume after `grace` has its connection
  // aborted, and the report's errors say so), discards what was not durable, mounts again.
  Result<DiscardReport> power_cut(const TornWrites& torn, std::chrono::milliseconds grace);
  // Loses the disk (storage.loss): unmounts, removes everything, mounts again.
  Status wipe(std::chrono::milliseconds grace);

  DurabilityCounts counts() const;

 private:
  DurableVolume() = default;
  Status remount();

  std::string mount_point_;
  bool write_back_ = false;
  int data_dir_ = -1;
  int trash_dir_ = -1;
  mutable std::mutex lock_;
  std::unique_ptr<DurabilityJournal> journal_;
  std::unique_ptr<DurableMount> mount_;
};

}  // namespace firedrill
