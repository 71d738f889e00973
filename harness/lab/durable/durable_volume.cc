// A volume that can lose power; see durable_volume.h.
#include "lab/durable/durable_volume.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace firedrill {
namespace {

int open_directory(int at, const char* name) {
  if (mkdirat(at, name, 0755) != 0 && errno != EEXIST) return -1;
  return openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

void remove_contents(int dir) {
  DIR* entries = fdopendir(openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (entries == nullptr) return;
  std::vector<std::pair<std::string, bool>> names;
  while (dirent* e = readdir(entries)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      names.emplace_back(e->d_name, e->d_type == DT_DIR);
    }
  }
  closedir(entries);
  for (const auto& [name, directory] : names) {
    if (directory) {
      const int sub = openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0) {
        remove_contents(sub);
        close(sub);
      }
    }
    unlinkat(dir, name.c_str(), directory ? AT_REMOVEDIR : 0);
  }
}

}  // namespace

Result<std::unique_ptr<DurableVolume>> DurableVolume::create(const std::string& tmpfs_root, bool write_back) {
  std::unique_ptr<DurableVolume> volume(new DurableVolume());
  volume->mount_point_ = tmpfs_root;
  volume->write_back_ = write_back;
  const int root = open(tmpfs_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return Status::error("durable volume " + tmpfs_root + ": " + std::strerror(errno));
  volume->data_dir_ = open_directory(root, "data");
  volume->trash_dir_ = open_directory(root, ".trash");
  close(root);
  if (volume->data_dir_ < 0 || volume->trash_dir_ < 0) {
    return Status::error("durable volume " + tmpfs_root + ": make data and .trash: " + std::strerror(errno));
  }
  volume->journal_ = std::make_unique<DurabilityJournal>(volume->data_dir_, volume->trash_dir_);
  if (Status s = volume->remount(); !s) return s;
  return volume;
}

DurableVolume::~DurableVolume() {
  mount_.reset();
  journal_.reset();
  if (data_dir_ >= 0) close(data_dir_);
  if (trash_dir_ >= 0) close(trash_dir_);
}

Status DurableVolume::remount() {
  auto mount = DurableMount::start(mount_point_, data_dir_, trash_dir_, *journal_, lock_, write_back_);
  if (!mount) return mount.status();
  mount_ = std::move(*mount);
  return Status::ok();
}

Result<DiscardReport> DurableVolume::power_cut(const TornWrites& torn, std::chrono::milliseconds grace) {
  if (!mount_) return Status::error("durable volume " + mount_point_ + ": not mounted (an earlier remount failed)");
  const bool quiet = mount_->stop(grace);
  mount_.reset();
  DiscardReport report;
  {
    std::lock_guard<std::mutex> guard(lock_);
    report = journal_->discard(torn);
  }
  if (!quiet) report.errors.push_back("a process still used the volume at the cut; its connection was aborted");
  if (Status s = remount(); !s) return s;
  return report;
}

Status DurableVolume::wipe(std::chrono::milliseconds grace) {
  if (!mount_) return Status::error("durable volume " + mount_point_ + ": not mounted (an earlier remount failed)");
  mount_->stop(grace);
  mount_.reset();
  {
    std::lock_guard<std::mutex> guard(lock_);
    journal_ = std::make_unique<DurabilityJournal>(data_dir_, trash_dir_);
  }
  remove_contents(data_dir_);
  remove_contents(trash_dir_);
  return remount();
}

DurabilityCounts DurableVolume::counts() const {
  std::lock_guard<std::mutex> guard(lock_);
  return journal_->counts();
}

}  // namespace firedrill
