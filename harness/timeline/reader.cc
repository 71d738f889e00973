// Reads a timeline.jsonl file; see reader.h.
#include "timeline/reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/limits.h"

namespace firedrill {
namespace {

// Closes a file descriptor on every path out.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

// Decodes every whole line of `text` and reports it; returns how many bytes were consumed
// (through the last '\n').
std::size_t decode_lines(std::string_view text, LineDecoder& decoder, int64_t& number, const OnTimelineRecord& on_record,
                         const OnUnreadableLine& on_unreadable) {
  std::size_t start = 0;
  while (start < text.size()) {
    const void* newline = std::memchr(text.data() + start, '\n', text.size() - start);
    if (!newline) break;
    const auto end = static_cast<std::size_t>(static_cast<const char*>(newline) - text.data());
    const std::string_view line = text.substr(start, end - start);
    ++number;
    if (decoder.decode(line)) on_record(number, decoder);
    else on_unreadable(number);
    start = end + 1;
  }
  return start;
}

}  // namespace

Status read_timeline(const std::string& path, const OnTimelineRecord& on_record,
                     const OnUnreadableLine& on_unreadable) {
  FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return Status::error("timeline " + path + ": " + std::strerror(errno));
  ::posix_fadvise(file.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  LineDecoder decoder;
  std::vector<char> buffer(kTimelineReadBlockBytes);
  std::size_t held = 0;  // bytes of a line not yet ended, at the buffer's start
  int64_t number = 0;
  for (;;) {
    if (held == buffer.size()) buffer.resize(buffer.size() * 2);  // a line longer than a block
    const ssize_t n = ::read(file.fd, buffer.data() + held, buffer.size() - held);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::error("timeline " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    const std::string_view text(buffer.data(), held + static_cast<std::size_t>(n));
    const std::size_t used = decode_lines(text, decoder, number, on_record, on_unreadable);
    held = text.size() - used;
    std::memmove(buffer.data(), buffer.data() + used, held);
  }
  if (held > 0) {
    ++number;
    const std::string_view line(buffer.data(), held);
    if (decoder.decode(line)) on_record(number, decoder);
    else on_unreadable(number);
  }
  return Status::ok();
}

}  // namespace firedrill
