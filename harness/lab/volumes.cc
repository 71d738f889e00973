// The nodes' data volumes (see volumes.h): tmpfs mounts, statvfs, and emptying in place.
#include "lab/volumes.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

namespace firedrill {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int error) {
  return std::strerror(error);
}

// A path field of /proc/self/mountinfo with its octal escapes ("\040" for a space) decoded.
std::string decode_mountinfo_path(const std::string& field) {
  std::string path;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() &&
        field.find_first_not_of("01234567", i + 1) >= i + 4) {
      path += static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      path += field[i];
    }
  }
  return path;
}

bool is_under(const std::string& path, const std::string& mount_point) {
  if (mount_point == "/") return true;
  return path == mount_point ||
         (path.rfind(mount_point, 0) == 0 && path.size() > mount_point.size() &&
          path[mount_point.size()] == '/');
}

// The mount point of the mount holding `path` (canonical) when that mount is shared, i.e. when
// mounts made under it would propagate to other mount namespaces; nullopt otherwise.
std::optional<std::string> shared_mount_holding(const std::string& path) {
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line, best_mount_point;
  bool best_shared = false;
  while (std::getline(mountinfo, line)) {
    // "id parent major:minor root mount_point options [optional fields...] - type source ..."
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point, options, field;
    fields >> id >> parent >> device >> root >> mount_point >> options;
    bool shared = false;
    while (fields >> field && field != "-") shared = shared || field.rfind("shared:", 0) == 0;
    mount_point = decode_mountinfo_path(mount_point);
    // Later lines are mounted over earlier ones, so ">=" keeps the top of a stack.
    if (is_under(path, mount_point) && mount_point.size() >= best_mount_point.size()) {
      best_mount_point = mount_point;
      best_shared = shared;
    }
  }
  if (!best_shared) return std::nullopt;
  return best_mount_point;
}

Status validate_node_sizes(const std::vector<std::pair<std::string, int64_t>>& node_sizes) {
  std::set<std::string> seen;
  for (const auto& [node, bytes] : node_sizes) {
    const std::string context = "volumes.create: node \"" + node + "\"";
    if (node.empty() || node == "." || node == ".." || node.find('/') != std::string::npos) {
      return Status::error(context + ": not a valid directory name");
    }
    if (!seen.insert(node).second) return Status::error(context + ": listed twice");
    if (bytes < volume_bytes_min || bytes > volume_bytes_max) {
      return Status::error(context + ": size " + std::to_string(bytes) + " bytes is outside " +
                           std::to_string(volume_bytes_min) + ".." +
                           std::to_string(volume_bytes_max));
    }
  }
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<Volumes>> Volumes::create(
    const std::string& root_dir, const std::vector<std::pair<std::string, int64_t>>& node_sizes,
    const std::set<std::string>& durable_nodes, const std::set<std::string>& write_through_nodes) {
  if (Status status = validate_node_sizes(node_sizes); !status) return status;
  std::error_code error;
  fs::create_directories(root_dir, error);
  const fs::path root = error ? fs::path() : fs::canonical(root_dir, error);
  if (error) {
    return Status::error("volumes.create: root directory " + root_dir + ": " + error.message());
  }
  if (std::optional<std::string> shared = shared_mount_holding(root.string())) {
    return Status::error("volumes.create: root directory " + root.string() +
                         ": is on the shared mount " + *shared +
                         ", so the volumes would propagate to other mount namespaces (call "
                         "enter_lab first)");
  }
  std::unique_ptr<Volumes> volumes(new Volumes());
  for (const auto& [node, bytes] : node_sizes) {
    volumes->volumes_.push_back(Volume{node, (root / node).string(), false, nullptr});
    // On error, the destructor of `volumes` unmounts what was mounted.
    if (Status status = volumes->mount_volume(node, bytes); !status) return status;
    if (durable_nodes.count(node)) {
      auto durable = DurableVolume::create(volumes->volumes_.back().path, write_through_nodes.count(node) == 0);
      if (!durable) return durable.status().with_context("volumes.create: node " + node);
      volumes->volumes_.back().durable = std::move(*durable);
    }
  }
  return volumes;
}

Status Volumes::mount_volume(const std::string& node, int64_t bytes) {
  Volume& volume = volumes_.back();
  const std::string context = "volumes.create: node " + node + ": ";
  std::error_code error;
  fs::create_directories(volume.path, error);
  if (error) return Status::error(context + "mkdir " + volume.path + ": " + error.message());
  const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
  if (mount("tmpfs", volume.path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    return Status::error(context + "mount tmpfs on " + volume.path + ": " + errno_text(errno));
  }
  volume.mounted = true;
  return Status::ok();
}

Volumes::~Volumes() {
  for (auto it = volumes_.rbegin(); it != volumes_.rend(); ++it) {
    it->durable.reset();  // its own mount first: it covers the tmpfs
    // EINVAL (no longer a mount point) and ENOENT (directory gone) mean there is nothing to do.
    if (it->mounted) umount2(it->path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);
  }
}

const Volumes::Volume& Volumes::find(const std::string& node) const {
  for (const Volume& volume : volumes_) {
    if (volume.node == node) return volume;
  }
  assert(false && "Volumes: unknown node");
  std::abort();
}

const std::string& Volumes::path(const std::string& node) const {
  return find(node).path;
}

Result<int64_t> Volumes::bytes_free(const std::string& node) const {
  const Volume& volume = find(node);
  struct statvfs stats {};
  if (statvfs(volume.path.c_str(), &stats) != 0) {
    return Status::error("volumes.bytes_free: node " + node + ": statvfs " + volume.path + ": " +
                         errno_text(errno));
  }
  return static_cast<int64_t>(stats.f_bavail) * static_cast<int64_t>(stats.f_frsize);
}

DurableVolume* Volumes::durable(const std::string& node) const {
  return find(node).durable.get();
}

Status Volumes::empty(const std::string& node) const {
  const Volume& volume = find(node);
  const std::string context = "volumes.empty: node " + node + ": ";
  if (volume.durable) return volume.durable->wipe(std::chrono::milliseconds(2000)).with_context(context);
  // Never delete what lies under the mount point on the real disk if the tmpfs has gone.
  struct stat mount_point = {};
  struct stat parent = {};
  if (stat(volume.path.c_str(), &mount_point) != 0 ||
      stat(fs::path(volume.path).parent_path().c_str(), &parent) != 0) {
    return Status::error(context + "stat " + volume.path + ": " + errno_text(errno));
  }
  if (mount_point.st_dev == parent.st_dev) {
    return Status::error(context + volume.path + " is not mounted");
  }
  // Listed first, then removed: removing while a directory is being read may skip entries.
  std::vector<fs::path> entries;
  std::error_code error;
  for (fs::directory_iterator it(volume.path, error), end; !error && it != end;
       it.increment(error)) {
    entries.push_back(it->path());
  }
  if (error) return Status::error(context + "list " + volume.path + ": " + error.message());
  for (const fs::path& entry : entries) {
    fs::remove_all(entry, error);  // a symbolic link is removed, not followed
    if (error) return Status::error(context + "remove " + entry.string() + ": " + error.message());
  }
  return Status::ok();
}

}  // namespace firedrill
