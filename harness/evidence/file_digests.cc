// SHA-256 of files; see file_digests.h.
#include "evidence/file_digests.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include "core/limits.h"
#include "core/sha256.h"

namespace firedrill {

Result<std::string> sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error(path + ": " + std::strerror(errno));
  // A block larger than the stream's buffer is read straight into ours: one copy from the cache.
  std::string block(kFileHashBlockBytes, '\0');
  Sha256 hash;
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    hash.update(std::string_view(block.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) return Status::error(path + ": read failed");
  return hash.hex_digest();
}

FileStamp stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return FileStamp{};
  return FileStamp{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                   static_cast<int64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                   static_cast<int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec};
}

FileHashing::FileHashing(const std::vector<std::string>& paths) {
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  files_.reserve(paths.size());
  for (const std::string& path : paths) {
    FileStamp stamp = stamp_of(path);
    // A later write sets both times to its tick: one of them older than that tick is enough.
    const bool racy = std::min(stamp.modified_ns, stamp.changed_ns) > now_ns - kFileStampRacyNs;
    files_.push_back(HashedFile{path, stamp, "", racy});
  }
  largest_first_.resize(files_.size());
  for (std::size_t i = 0; i < files_.size(); ++i) largest_first_[i] = i;
  // The largest first, so that the threads end together.
  std::stable_sort(largest_first_.begin(), largest_first_.end(),
                   [this](std::size_t a, std::size_t b) { return files_[a].stamp.bytes > files_[b].stamp.bytes; });
  for (int i = 1; i < kArtifactHashThreads && files_.size() > 1; ++i) {
    try {
      threads_.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
      break;  // no thread to be had: wait() hashes everything on the caller's
    }
  }
}

FileHashing::~FileHashing() {
  // Not waited for (the caller failed early): no further file is started.
  next_.store(largest_first_.size());
  for (std::thread& thread : threads_) thread.join();
}

void FileHashing::work() {
  for (std::size_t i; (i = next_.fetch_add(1)) < largest_first_.size();) {
    HashedFile& file = files_[largest_first_[i]];
    // The stamp was taken (in the constructor) before the first byte was read: a change since
    // changes it, and the digest is not used.
    if (auto digest = sha256_file(file.path)) file.sha256 = std::move(*digest);
  }
}

const std::vector<HashedFile>& FileHashing::wait() {
  work();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  return files_;
}

bool still_holds(const HashedFile& file) {
  return !file.racy && !file.sha256.empty() && file.stamp == stamp_of(file.path);
}

std::vector<std::string> sha256_files(const std::vector<std::string>& paths) {
  FileHashing hashing(paths);
  std::vector<std::string> digests;
  digests.reserve(paths.size());
  for (const HashedFile& file : hashing.wait()) digests.push_back(file.sha256);
  return digests;
}

}  // namespace firedrill
