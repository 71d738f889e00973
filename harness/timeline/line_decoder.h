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

#include "core/limits.h"
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
  // The whole record as boost::json parsed it, in the decoder's memory (a copy made to outlive
  // the line must name its own storage, as keep() does); nullptr for a line of the fast path.
  const boost::json::object* raw() const { return raw_; }

 private:
  bool decode_parsed(std::string_view line);

  WorkloadLineReader fast_;
  // The parsed line lives in memory_, which starts in buffer_ and is made anew for each line
  // (boost 1.81's monotonic_resource::release() leaves it unable to allocate again).
  std::array<unsigned char, kTimelineParseBufferBytes> buffer_;
  std::optional<boost::json::monotonic_resource> memory_;
  std::optional<boost::json::value> parsed_;  // in memory_ (a move keeps the storage)
  RecordEnvelope envelope_;
  TimelineRecord record_;
  const boost::json::object* raw_ = nullptr;
};

// A record kept beyond its line (the rare records a reader lists: faults, phases, alerts, ...),
// owning all it holds.
struct KeptRecord {
  std::optional<int64_t> seq;
  std::optional<int64_t> t_ns;
  TimelineRecord record;
  boost::json::object raw;  // the whole line's object; empty for a line of the fast path
  int64_t at() const { return t_ns.value_or(0); }
};

// The current line of `line`, kept. Not for the workload's records, whose strings are views into
// the line (a reader keeps them in its own compact form).
KeptRecord keep(const LineDecoder& line);

}  // namespace firedrill
