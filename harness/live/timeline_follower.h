// Follows timeline.jsonl while the drill writes it, as `tail -f` would: each poll() reads what
// was appended since the last one and hands each whole line, decoded (timeline/line_decoder.h),
// to the callback. Reading the file, not hooking the writer, leaves the drill exactly as it is
// without a live page.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "timeline/line_decoder.h"

namespace firedrill {

class TimelineFollower {
 public:
  using OnLine = std::function<void(const LineDecoder& line)>;
  TimelineFollower(std::string path, OnLine on_line);
  ~TimelineFollower();
  TimelineFollower(const TimelineFollower&) = delete;
  TimelineFollower& operator=(const TimelineFollower&) = delete;

  // Reads what is new (nothing while the file does not exist yet); the number of lines read.
  int64_t poll();

 private:
  std::string path_;
  OnLine on_line_;
  int fd_ = -1;
  std::string partial_;  // a line not yet ended by '\n'
  LineDecoder decoder_;
};

}  // namespace firedrill
