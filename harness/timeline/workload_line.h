// The fast path of the timeline reader: a workload record in exactly the layout Timeline writes
// it, read in one pass without building a JSON value. The workload's records are nearly every
// line of a timeline (two per payment), and boost::json reads them ten times slower.
//
// The layout is the writer's, byte for byte: {"seq":N,"t_ns":N,"source":"workload","kind":K,
// <the record's fields in their order, an empty optional one left out>,"prev":"..."} with no
// whitespace. Strings are ASCII whose escapes are the two-character ones (\" \\ \/ \b \f \n \r \t);
// integers have at most 18 digits, no leading zero, no "-0". Every other line — another layout,
// a \u escape, a byte outside ASCII, another record — returns false and is read by boost::json,
// so what this accepts it reads exactly as boost::json would.
//
// Not thread-safe: one per reading thread. Views stay valid until the next read() and while the
// line is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "timeline/record.h"

namespace firedrill {

class WorkloadLineReader {
 public:
  // Reads `line` into `envelope` and `record` (a workload record); false when it is not a workload
  // record in the writer's layout (then both are unspecified).
  bool read(std::string_view line, RecordEnvelope& envelope, TimelineRecord& record);

 private:
  template <class R>
  bool read_record(RecordEnvelope& envelope, TimelineRecord& record);
  template <class T>
  bool read_field(std::string_view name, T& out);
  template <class T>
  bool read_field(std::string_view name, std::optional<T>& out);
  // Inlined into each field's read, where the literal's size is a constant.
  [[gnu::always_inline]] bool expect(std::string_view literal);
  [[gnu::always_inline]] bool expect_name(std::string_view name);
  bool read_value(int64_t& out);
  bool read_value(std::string_view& out);

  std::string_view line_;
  std::size_t i_ = 0;
  std::string scratch_;  // unescaped strings; reserved to the line's size so views stay valid
};

}  // namespace firedrill
