// Exports read a block at a time; see export_source.h.
#include "scoring/export_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace firedrill {

ExportSource ExportSource::file(std::string path) {
  ExportSource s;
  s.path_ = std::move(path);
  s.is_file_ = true;
  return s;
}

ExportReader::ExportReader(const ExportSource& source) : source_(source) {
  if (!source.is_file()) {
    size_ = static_cast<int64_t>(source.text().size());
    return;
  }
  fd_ = ::open(source.path().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    error_ = source.path() + ": read: " + std::strerror(errno);
    return;
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) size_ = static_cast<int64_t>(st.st_size);
}

ExportReader::~ExportReader() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t ExportReader::read(char* out, std::size_t n) {
  if (!source_.is_file()) {
    const std::string& text = source_.text();
    const std::size_t count = std::min(n, text.size() - offset_);
    std::memcpy(out, text.data() + offset_, count);
    offset_ += count;
    return count;
  }
  std::size_t done = 0;
  while (fd_ >= 0 && done < n) {
    const ssize_t got = ::read(fd_, out + done, n - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      error_ = source_.path() + ": read: " + std::strerror(errno);
      ::close(fd_);
      fd_ = -1;
      break;
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

}  // namespace firedrill
