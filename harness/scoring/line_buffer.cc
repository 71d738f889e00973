// Lines a block at a time; see line_buffer.h.
#include "scoring/line_buffer.h"

#include <cstring>

namespace firedrill {

std::string_view LineBuffer::fill(ExportReader& in) {
  // Nothing to keep at the start, when the buffer may still be empty (memmove of a null
  // pointer is undefined even for 0 bytes; found by the ledger_export fuzzer's UBSan build).
  if (end_ > begin_) std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  if (buffer_.size() < end_ + kLineReadBlockBytes) buffer_.resize(end_ + kLineReadBlockBytes);
  const std::size_t got = in.read(buffer_.data() + end_, kLineReadBlockBytes);
  const std::string_view fresh(buffer_.data() + end_, got);
  end_ += got;
  return fresh;
}

bool LineBuffer::next(std::string_view& line, bool at_end) {
  if (begin_ == end_) return false;
  const char* start = buffer_.data() + begin_;
  const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
  if (!newline && !at_end) return false;
  const std::size_t length = newline ? static_cast<std::size_t>(newline - start) : end_ - begin_;
  line = std::string_view(start, length);
  begin_ += newline ? length + 1 : length;
  return true;
}

}  // namespace firedrill
