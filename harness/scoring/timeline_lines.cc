// TimelineIndex lines → records; see timeline_lines.h.
#include "scoring/timeline_lines.h"

#include <boost/json.hpp>
#include <filesystem>
#include <optional>
#include <string_view>
#include <type_traits>
#include <variant>

#include "core/json_read.h"
#include "core/limits.h"
#include "scoring/big_buffers.h"
#include "timeline/reader.h"
#include "timeline/record.h"

namespace json = boost::json;

namespace firedrill {
namespace {

// The compact form of a workload record of a known kind (invoke, ok, fail, unknown, skipped), or
// nullopt for any other record. `t_ns`: the line's, 0 when `has_t` is false (the line has none).
std::optional<WorkloadRecord> compact(const TimelineRecord& record, int64_t t_ns, bool has_t, StringTable& strings) {
  WorkloadRecord w;
  w.t_ns = t_ns;
  if (has_t) w.flags |= WorkloadRecord::has_t;
  const bool known = std::visit(
      [&](const auto& r) {
        using R = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<R, WorkloadInvoke>) {
          w.kind = WorkloadRecord::invoke;
          w.op = r.op;
          w.key = strings.intern(r.key);
          w.from = strings.intern(r.from);
          w.to = strings.intern(r.to);
          w.value = r.amount;
          return true;
        } else if constexpr (std::is_base_of_v<WorkloadCompletion, R>) {
          w.kind = std::is_same_v<R, WorkloadOk>     ? WorkloadRecord::ok
                   : std::is_same_v<R, WorkloadFail> ? WorkloadRecord::fail
                                                     : WorkloadRecord::unknown;
          w.op = r.op;
          w.key = strings.intern(r.key);
          w.value = r.latency_ns.value_or(0);
          if (r.latency_ns) w.flags |= WorkloadRecord::has_latency;
          return true;
        } else if constexpr (std::is_same_v<R, WorkloadSkipped>) {
          w.kind = WorkloadRecord::skipped;
          w.key = strings.intern("");
          return true;
        } else {
          return false;
        }
      },
      record);
  if (!known) return std::nullopt;
  return w;
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
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  if (!ec && bytes > 0) reserve_for(static_cast<std::size_t>(bytes), data);
  const Status read = read_timeline(
      path,
      [&data](int64_t, const LineDecoder& line) {
        const RecordEnvelope& envelope = line.envelope();
        if (auto w = compact(line.record(), envelope.at(), envelope.t_ns.has_value(), data.strings)) {
          data.workload.push_back(*w);
        } else {
          // Any other record as the JSON object it is (what the auditor and the HTML report show).
          if (const json::object* raw = line.raw()) {
            data.timeline.emplace_back(*raw, json::storage_ptr());
          } else {
            data.timeline.push_back(json::parse(encode_line(line.envelope(), line.record())).as_object());
          }
        }
      },
      [&data](int64_t number) {
        // A controller killed mid-write leaves at most a torn last line; anything else is damage.
        data.read_errors.push_back("timeline.jsonl:" + std::to_string(number) + ": unreadable record");
      });
  return read.is_ok();
}

void add_record(RunData& data, json::object record) {
  const TimelineRecord typed =
      decode_record(json_read::view(record, "source"), json_read::view(record, "kind"), record);
  const json::value* t = record.if_contains("t_ns");
  const bool has_t = t && t->is_number();
  if (auto w = compact(typed, has_t ? json_read::integer_of(t) : 0, has_t, data.strings)) {
    data.workload.push_back(*w);
  } else {
    data.timeline.push_back(std::move(record));
  }
}

}  // namespace firedrill
