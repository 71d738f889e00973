// TimelineFollower; see timeline_follower.h.
#include "live/timeline_follower.h"

#include <fcntl.h>
#include <unistd.h>

#include <string_view>

namespace firedrill {
namespace {

// A line longer than this is not a record the page needs (and not one the writer makes).
constexpr std::size_t kLineBytesMax = 16 << 20;

}  // namespace

TimelineFollower::TimelineFollower(std::string path, OnLine on_line) : path_(std::move(path)), on_line_(std::move(on_line)) {}

TimelineFollower::~TimelineFollower() {
  if (fd_ >= 0) ::close(fd_);
}

int64_t TimelineFollower::poll() {
  if (fd_ < 0) fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return 0;
  int64_t lines = 0;
  char block[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd_, block, sizeof block);
    if (n <= 0) break;
    std::string_view rest(block, static_cast<std::size_t>(n));
    for (auto end = rest.find('\n'); end != std::string_view::npos; end = rest.find('\n')) {
      std::string_view line = rest.substr(0, end);
      if (!partial_.empty()) {
        partial_.append(line);
        line = partial_;
      }
      if (decoder_.decode(line)) on_line_(decoder_);
      ++lines;
      partial_.clear();
      rest.remove_prefix(end + 1);
    }
    if (partial_.size() + rest.size() <= kLineBytesMax) partial_.append(rest);
  }
  return lines;
}

}  // namespace firedrill
