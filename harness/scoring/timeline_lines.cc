// TimelineIndex lines → records; see timeline_lines.h.
#include "scoring/timeline_lines.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <optional>
#include <string_view>

#include "core/json_read.h"
#include "core/limits.h"
#include "scoring/big_buffers.h"
#include "scoring/flat_json.h"
#include "scoring/line_buffer.h"

namespace json = boost::json;

namespace firedrill {
namespace {

// The fields of a workload record, by index. In a JSON record they are pointers into it (null
// when absent); read in place, FlatValue copies.
enum Field : int { source, kind, at, key, from, to, amount, latency, op, kFieldCount };

template <typename Value>
using WorkloadFields = std::array<Value, kFieldCount>;

// The index of the field `name`, or -1 when the workload does not read it. By length first: this
// runs for every field of every line.
int field_index(std::string_view name) {
  switch (name.size()) {
    case 2:
      return name == "to" ? to : name == "op" ? op : -1;
    case 3:
      return name == "key" ? key : -1;
    case 4:
      return name == "kind" ? kind : name == "t_ns" ? at : name == "from" ? from : -1;
    case 6:
      return name == "source" ? source : name == "amount" ? amount : -1;
    case 10:
      return name == "latency_ns" ? latency : -1;
    default:
      return -1;
  }
}

std::optional<WorkloadRecord::Kind> workload_kind(std::string_view kind) {
  if (kind == "invoke") return WorkloadRecord::invoke;
  if (kind == "ok") return WorkloadRecord::ok;
  if (kind == "fail") return WorkloadRecord::fail;
  if (kind == "unknown") return WorkloadRecord::unknown;
  if (kind == "skipped") return WorkloadRecord::skipped;
  return std::nullopt;
}

// How a field reads in either form: a string (else ""), a number (else the fallback) and whether
// it is a number.
std::string_view text_of(const json::value* v) {
  return json_read::view_of(v);
}
std::string_view text_of(const FlatValue& v) {
  return v.type == FlatValue::string_value ? v.text : std::string_view();
}
int64_t number_of(const json::value* v, int64_t fallback) {
  return json_read::integer_of(v, fallback);
}
int64_t number_of(const FlatValue& v, int64_t fallback) {
  return v.type == FlatValue::integer_value ? v.number : fallback;
}
bool is_number(const json::value* v) {
  return v && v->is_number();
}
bool is_number(const FlatValue& v) {
  return v.type == FlatValue::integer_value;
}

// The compact form of a workload record of a known kind, or nullopt.
template <typename Value>
std::optional<WorkloadRecord> workload_record(const WorkloadFields<Value>& f,
                                              StringTable& strings) {
  if (text_of(f[source]) != "workload") return std::nullopt;
  const std::optional<WorkloadRecord::Kind> workload = workload_kind(text_of(f[kind]));
  if (!workload) return std::nullopt;
  WorkloadRecord w;
  w.kind = *workload;
  w.t_ns = number_of(f[at], 0);
  if (is_number(f[at])) w.flags |= WorkloadRecord::has_t;
  w.op = number_of(f[op], -1);
  w.key = strings.intern(text_of(f[key]));
  if (w.kind == WorkloadRecord::invoke) {
    w.from = strings.intern(text_of(f[from]));
    w.to = strings.intern(text_of(f[to]));
    w.value = number_of(f[amount], 0);
  } else {
    w.value = number_of(f[latency], 0);
    if (is_number(f[latency])) w.flags |= WorkloadRecord::has_latency;
  }
  return w;
}

// A JSON record's workload fields, in one pass (its keys are unique).
WorkloadFields<const json::value*> fields_of(const json::object& r) {
  WorkloadFields<const json::value*> f{};
  for (const auto& kv : r) {
    if (const int i = field_index(kv.key()); i >= 0) f[static_cast<std::size_t>(i)] = &kv.value();
  }
  return f;
}

// A line read in place as a workload record; nullopt when it is not a flat line, names a field
// the workload reads twice, or is not a workload record of a known kind.
std::optional<WorkloadRecord> flat_workload_record(std::string_view line, StringTable& strings) {
  WorkloadFields<FlatValue> f{};
  unsigned seen = 0;  // a bit per field
  const bool flat = scan_flat_object(line, [&](std::string_view name, const FlatValue& value) {
    const int i = field_index(name);
    if (i < 0) return true;
    if (seen & (1u << i)) return false;
    seen |= 1u << i;
    f[static_cast<std::size_t>(i)] = value;
    return true;
  });
  if (!flat) return std::nullopt;
  return workload_record(f, strings);
}

// One line of the timeline (the `number`th) into `data`.
void add_line(std::string_view line, int64_t number, RunData& data) {
  if (auto w = flat_workload_record(line, data.strings)) {
    data.workload.push_back(*w);
    return;
  }
  // Parsed into a buffer on the stack; only the records kept as JSON are copied out of it.
  unsigned char buffer[kLineParseBufferBytes];
  json::monotonic_resource scratch(buffer, sizeof buffer);
  json::error_code ec;
  json::value v = json::parse(line, ec, json::storage_ptr(&scratch));
  // A controller killed mid-write leaves at most a torn last line; anything else is damage.
  if (ec || !v.is_object()) {
    data.read_errors.push_back("timeline.jsonl:" + std::to_string(number) + ": unreadable record");
    return;
  }
  if (auto w = workload_record(fields_of(v.as_object()), data.strings)) {
    data.workload.push_back(*w);
  } else {
    data.timeline.emplace_back(v.as_object(), json::storage_ptr());
  }
}

// Room for the records a timeline of `bytes` holds, over-estimated (a workload record is about
// 230 bytes, two per payment; the keys about 24 characters).
void reserve_for(std::size_t bytes, RunData& data) {
  constexpr std::size_t kRecordBytesMin = 128;
  const std::size_t records = bytes / kRecordBytesMin;
  reserve_big(data.workload, data.workload.size() + records);
  data.strings.reserve(data.strings.size() + records / 2, records / 2 * 32);
}

}  // namespace

bool read_timeline_file(const std::string& path, RunData& data) {
  const ExportSource source = ExportSource::file(path);
  ExportReader reader(source);
  if (!reader.error().empty()) return false;
  if (reader.size() > 0) reserve_for(static_cast<std::size_t>(reader.size()), data);
  LineBuffer lines;
  int64_t number = 0;
  for (bool at_end = false; !at_end;) {
    at_end = lines.fill(reader).empty();
    for (std::string_view line; lines.next(line, at_end);) add_line(line, ++number, data);
  }
  if (!reader.error().empty()) data.read_errors.push_back("timeline.jsonl: " + reader.error());
  return true;
}

void add_record(RunData& data, json::object record) {
  if (auto w = workload_record(fields_of(record), data.strings)) {
    data.workload.push_back(*w);
  } else {
    data.timeline.push_back(std::move(record));
  }
}

}  // namespace firedrill
