// The nodes' data volumes (DESIGN.md §2): one size-limited tmpfs per node, mounted in the lab's
// private mount namespace, so that "disk full" is a real ENOSPC and "storage loss" a real empty
// disk, and nothing is left mounted on the host when the controller dies.
//
// Used by the controller when it brings up the lab, and by the disk-full and storage-loss faults.
// Privileges: CAP_SYS_ADMIN over the caller's mount namespace (root, or the lab's user namespace).
// Call it after enter_lab() (lab.h): create() refuses to mount where the mount would propagate
// to another mount namespace.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "lab/durable/durable_volume.h"

namespace firedrill {

// Smallest and largest volume, in bytes.
inline constexpr int64_t volume_bytes_min = 64 * 1024;
inline constexpr int64_t volume_bytes_max = int64_t{64} * 1024 * 1024 * 1024;

// The mounted volumes of one lab. Immutable after create() but for the volumes' contents; methods
// may be called from any thread, but empty() must not race with writers to the same volume (kill
// the node first).
class Volumes {
 public:
  // Mounts a tmpfs of `bytes` (size=<bytes>, mode=0755, nosuid, nodev) at root_dir/<node> for
  // each (node, bytes), creating the directories as needed. Node names are non-empty, unique,
  // contain no '/' and are not "." or "..". The nodes of `durable_nodes` (those a power.loss
  // fault can reach) get the durability-tracking filesystem over their tmpfs
  // (lab/durable/durable_volume.h), with the kernel's write-back cache but for those of
  // `write_through_nodes` (a disk.full can reach them too); the others a plain tmpfs. Errors
  // name the node and the mount target; on error whatever was mounted is unmounted again.
  static Result<std::unique_ptr<Volumes>> create(
      const std::string& root_dir, const std::vector<std::pair<std::string, int64_t>>& node_sizes,
      const std::set<std::string>& durable_nodes = {}, const std::set<std::string>& write_through_nodes = {});

  // Unmounts every volume (MNT_DETACH, so a process still inside cannot block it), ignoring ones
  // already gone. The empty mount-point directories stay in root_dir.
  ~Volumes();

  Volumes(const Volumes&) = delete;
  Volumes& operator=(const Volumes&) = delete;

  // The node's mount point (root_dir/<node>). Asserts that the node exists.
  const std::string& path(const std::string& node) const;

  // Bytes an unprivileged writer could still write on the node's volume (statvfs f_bavail).
  // Asserts that the node exists.
  Result<int64_t> bytes_free(const std::string& node) const;

  // Removes everything inside the node's volume, leaving the mount point (the storage-loss fault).
  // Works on a full volume: removing needs no space. Symbolic links are removed, never followed.
  // Asserts that the node exists.
  // On a durable volume the filesystem is remounted around the removal.
  Status empty(const std::string& node) const;

  // The node's durability-tracking filesystem, or nullptr on a plain tmpfs.
  DurableVolume* durable(const std::string& node) const;

 private:
  struct Volume {
    std::string node;
    std::string path;
    bool mounted = false;
    std::unique_ptr<DurableVolume> durable;  // over the tmpfs, for a node power.loss can reach
  };

  Volumes() = default;
  const Volume& find(const std::string& node) const;
  Status mount_volume(const std::string& node, int64_t bytes);

  std::vector<Volume> volumes_;
};

}  // namespace firedrill
