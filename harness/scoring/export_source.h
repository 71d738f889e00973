// A node's final export as scoring reads it (NDJSON, one transfer a line): either the text itself,
// as tests and fuzzers build it, or the file of the run directory holding it, as read_run_dir
// finds it. Scoring reads either a block at a time through ExportReader, so that the exports of a
// big drill are never held in memory (three replicas' exports of a million payments are 600 MB).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace firedrill {

// The text of an export, or the file that holds it. Copyable; a file is not opened until an
// ExportReader reads it.
class ExportSource {
 public:
  ExportSource() = default;
  // Implicit, so that `data.exports[node] = text` reads as it says.
  ExportSource(std::string text) : text_(std::move(text)) {}  // NOLINT(google-explicit-constructor)
  static ExportSource file(std::string path);

  bool is_file() const { return is_file_; }
  // The text; empty for a file.
  const std::string& text() const { return text_; }
  // The file's path; empty for a text.
  const std::string& path() const { return path_; }

 private:
  std::string text_, path_;
  bool is_file_ = false;
};

// Reads an ExportSource from its start. A file is opened by the constructor and closed by the
// destructor; a failure to open or to read ends the text there and is kept in error(), as
// "<path>: read: <why>". Not copyable. Not thread-safe.
class ExportReader {
 public:
  explicit ExportReader(const ExportSource& source);
  ~ExportReader();
  ExportReader(const ExportReader&) = delete;
  ExportReader& operator=(const ExportReader&) = delete;

  // Up to `n` bytes into `out`: fewer only at the end of the text (or at an error).
  std::size_t read(char* out, std::size_t n);
  // The size in bytes, or -1 when it is not known before reading (not a regular file).
  int64_t size() const { return size_; }
  // Empty, or why the text could not be read to its end.
  const std::string& error() const { return error_; }

 private:
  const ExportSource& source_;
  int fd_ = -1;
  std::size_t offset_ = 0;  // into a text
  int64_t size_ = -1;
  std::string error_;
};

}  // namespace firedrill
