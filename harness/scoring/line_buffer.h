// The lines of a text read a block at a time (an export of hundreds of MB, timeline.jsonl): the
// part of a line a block cuts off is kept for the next one, so memory holds a block and the
// longest line, never the text.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/limits.h"
#include "scoring/export_source.h"

namespace firedrill {

class LineBuffer {
 public:
  // Reads the next block after what is not yet taken; returns the bytes read (none at the end).
  std::string_view fill(ExportReader& in);
  // The next whole line (without its newline); at the end, the rest too. False when none.
  bool next(std::string_view& line, bool at_end);

 private:
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;
};

}  // namespace firedrill
