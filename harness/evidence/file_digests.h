// SHA-256 of files, for the evidence manifest: one file read in blocks, and many files hashed on
// kArtifactHashThreads threads, the largest first. Hashing can start early: `firedrill score`
// starts hashing a run directory's ~1 GB of inputs on a second core before it reads and scores
// them, and the manifest then takes each digest whose file is unchanged (same FileStamp).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"

namespace firedrill {

// Hex SHA-256 of a file's bytes, read in blocks; an error names the file.
Result<std::string> sha256_file(const std::string& path);

// What tells that a file's bytes may have changed without reading them: a file rewritten in
// place or replaced changes its modification or status-change time, or its inode.
struct FileStamp {
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t bytes = -1;  // -1: the file cannot be stat'ed
  int64_t modified_ns = 0;
  int64_t changed_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

// The stamp of `path` now.
FileStamp stamp_of(const std::string& path);

// A file as hashed: its stamp taken before it was read, and its digest ("" when unreadable).
struct HashedFile {
  std::string path;
  FileStamp stamp;
  std::string sha256;
  // Modified and status-changed within kFileStampRacyNs before it was stamped: a later change
  // may have left the stamp as it was (file times tick coarsely), so an unchanged stamp proves
  // nothing.
  bool racy = true;
};

// Files being hashed: kArtifactHashThreads - 1 threads start at construction, and the thread
// that calls wait() joins in for what is left. Destroyed without wait(), it starts no further
// file and waits only for those being read.
class FileHashing {
 public:
  explicit FileHashing(const std::vector<std::string>& paths);
  ~FileHashing();
  FileHashing(const FileHashing&) = delete;
  FileHashing& operator=(const FileHashing&) = delete;

  // Every file hashed, in the order given. From one thread.
  const std::vector<HashedFile>& wait();

 private:
  void work();

  std::vector<HashedFile> files_;
  std::vector<std::size_t> largest_first_;  // indexes into files_
  std::atomic<std::size_t> next_{0};        // into largest_first_
  std::vector<std::thread> threads_;
};

// Whether the digest hashed early of `file` still holds: its stamp is the same now and it was
// not racy.
bool still_holds(const HashedFile& file);

// Hex SHA-256 of each of `paths` ("" for an unreadable file), in their order.
std::vector<std::string> sha256_files(const std::vector<std::string>& paths);

}  // namespace firedrill
