// Reads a timeline.jsonl file line by line into typed records (line_decoder.h), one block at a
// time: the timeline of a big drill is hundreds of MB, and only the current line is held.
// Lines are those std::getline gives: split at '\n', a last line without one included when it is
// not empty; a line that is not a JSON object (a torn last line, damage) is reported by number.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"
#include "timeline/line_decoder.h"

namespace firedrill {

// Called for each readable line with its number (from 1); `line` is valid during the call only.
using OnTimelineRecord = std::function<void(int64_t number, const LineDecoder& line)>;
// Called for each line that is not a JSON object.
using OnUnreadableLine = std::function<void(int64_t number)>;

// Reads the timeline at `path` in file order. An error only when the file cannot be opened or read.
Status read_timeline(const std::string& path, const OnTimelineRecord& on_record,
                     const OnUnreadableLine& on_unreadable);

}  // namespace firedrill
