// Decodes one line of timeline.jsonl into its envelope and its typed record. The workload's
// records (nearly every line) take the fast path (workload_line.h), every other line is parsed by
// boost::json and also kept whole (raw()), for a reader that shows any record generically.
//
// Not thread-safe; one decoder per reading thread. Everything it returns views into the line and
// into the decoder, valid until the next decode().
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <array>
#include <optional>
#include <string_view>

#include "timeline/record.h"
#include "timeline/workload_line.h"

namespace firedrill {

class LineDecoder {
 public:
  LineDecoder() = default;
  LineDecoder(const LineDecoder&) = delete;
  LineDecoder& operator=(const LineDecoder&) = delete;

  // Decodes `line` (without its newline); false when it is not a JSON object — a torn last line
  // or damage, which a reader reports as an unreadable record.
  bool decode(std::string_view line);

  const RecordEnvelope& envelope() const { return envelope_; }
  const TimelineRecord& record() const { return record_; }
  // The whole record as boost::json parsed it; nullptr for a line of the fast path.
  const boost::json::object* raw() const { return raw_; }

 private:
  bool decode_parsed(std::string_view line);

  WorkloadLineReader fast_;
  // The parsed line lives in memory_, which starts in buffer_ and is made anew for each line
  // (boost 1.81's monotonic_resource::release() leaves it unable to allocate again).
  std::array<unsigned char, 16 * 1024> buffer_;
  std::optional<boost::json::monotonic_resource> memory_;
  std::optional<boost::json::value> parsed_;  // in memory_ (a move keeps the storage)
  RecordEnvelope envelope_;
  TimelineRecord record_;
  const boost::json::object* raw_ = nullptr;
};

}  // namespace firedrill
