// The chart's series; see chart_series.h.
#include "scoring/chart_series.h"

#include <algorithm>
#include <boost/json.hpp>
#include <optional>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/json_read.h"
#include "core/percentile.h"
#include "core/steady_state.h"
#include "scoring/big_buffers.h"
#include "scoring/run_spec.h"
#include "timeline/record.h"

namespace json = boost::json;

namespace firedrill {
namespace {

constexpr int64_t kBucketNsMin = 1'000'000'000;  // 1 s: payments/s reads directly off the chart

// A completion with a time, and whether its record gave a latency (a sample for the percentiles).
struct Timed {
  Completion c;
  bool has_latency = false;
};

// A workload completion kept as JSON (a RunData built by hand) at `at`; nullopt for any other record.
std::optional<Timed> completion_of(const json::object& r, int64_t at) {
  const TimelineRecord record = decode_record(json_read::view(r, "source"), json_read::view(r, "kind"), r);
  return std::visit(
      [at](const auto& c) -> std::optional<Timed> {
        using R = std::decay_t<decltype(c)>;
        if constexpr (std::is_base_of_v<WorkloadCompletion, R>) {
          const Outcome o = std::is_same_v<R, WorkloadOk>     ? Outcome::ok
                            : std::is_same_v<R, WorkloadFail> ? Outcome::fail
                                                              : Outcome::unknown;
          return Timed{Completion{at, o, c.latency_ns.value_or(0)}, c.latency_ns.has_value()};
        } else {
          return std::nullopt;
        }
      },
      record);
}

// The workload's completions that have a time (>= 0), by time; `end_ns` the last time of any
// record.
std::vector<Timed> timed_completions(const RunData& data, int64_t& end_ns) {
  std::vector<Timed> out;
  reserve_big(out, data.workload.size() / 2 + data.timeline.size() + 1);
  for (const WorkloadRecord& w : data.workload) {
    if (!(w.flags & WorkloadRecord::has_t) || w.t_ns < 0) continue;
    end_ns = std::max(end_ns, w.t_ns);
    if (w.kind == WorkloadRecord::invoke || w.kind == WorkloadRecord::skipped) continue;
    const Outcome o = w.kind == WorkloadRecord::ok     ? Outcome::ok
                      : w.kind == WorkloadRecord::fail ? Outcome::fail
                                                       : Outcome::unknown;
    out.push_back(
        Timed{Completion{w.t_ns, o, w.value}, (w.flags & WorkloadRecord::has_latency) != 0});
  }
  for (const json::object& r : data.timeline) {
    const json::value* t = json_read::field(r, "t_ns");
    if (!t || !t->is_number() || t->to_number<double>() < 0) continue;
    const int64_t at = json_read::integer_of(t);
    end_ns = std::max(end_ns, at);
    if (auto timed = completion_of(r, at)) out.push_back(*timed);
  }
  auto by_time = [](const Timed& a, const Timed& b) { return a.c.t_ns < b.c.t_ns; };
  // The timeline is written in time order, so this is nearly always sorted already.
  if (!std::is_sorted(out.begin(), out.end(), by_time)) {
    std::stable_sort(out.begin(), out.end(), by_time);
  }
  return out;
}

// The narrowest bucket of a width people count in that keeps the chart within its limit; beyond
// 600 days the last width is stretched rather than the limit broken.
int64_t bucket_width_ns(int64_t end_ns) {
  constexpr auto kMax = static_cast<int64_t>(kChartBucketsMax);
  int64_t width = kBucketNsMin;
  for (int64_t width_s :
       {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400}) {
    width = width_s * kBucketNsMin;
    if ((end_ns + width - 1) / width <= kMax) break;
  }
  return std::max(width, (end_ns + kMax - 1) / kMax);
}

// The last fault instant the report names (T0 or revert), in ns.
int64_t report_end_ns(const json::object& report) {
  double end_ms = 0;
  for (const auto& v : json_read::array(report, "faults")) {
    if (!v.is_object()) continue;
    for (const char* key : {"t0_ms", "reverted_ms"}) {
      const json::value* t = json_read::field(v.as_object(), key);
      if (t && t->is_number()) end_ms = std::max(end_ms, t->to_number<double>());
    }
  }
  return static_cast<int64_t>(end_ms * 1e6);
}

json::value latency_ms(std::vector<int64_t>& sample, double p) {
  const std::optional<int64_t> v = percentile(sample, p);
  return v ? json::value(static_cast<double>(*v) / 1e6) : json::value(nullptr);
}

}  // namespace

json::object chart_series(const RunData& data, const json::object& report) {
  int64_t end_ns = report_end_ns(report);
  const std::vector<Timed> timed = timed_completions(data, end_ns);
  end_ns = std::max<int64_t>(end_ns, 1);
  const int64_t width = bucket_width_ns(end_ns);
  const auto count = static_cast<std::size_t>((end_ns + width - 1) / width);
  std::vector<Completion> by_time;
  reserve_big(by_time, timed.size());
  for (const Timed& t : timed) by_time.push_back(t.c);
  const SteadyStateSettings steady = read_steady_state(json_read::object(data.run, "steady_state"));
  json::array buckets;
  std::vector<int64_t> latencies, scratch;
  auto next = timed.begin();
  for (std::size_t i = 0; i < count; ++i) {
    const int64_t bucket_end = static_cast<int64_t>(i + 1) * width;
    int64_t ok = 0, errors = 0;
    latencies.clear();
    // The last bucket takes what lies beyond it (a record exactly at the end).
    for (; next != timed.end() && (next->c.t_ns < bucket_end || i + 1 == count); ++next) {
      if (next->c.outcome != Outcome::ok)
        ++errors;
      else
        ++ok;
      if (next->c.outcome == Outcome::ok && next->has_latency)
        latencies.push_back(next->c.latency_ns);
    }
    const WindowStats window =
        window_stats(window_ending_at(by_time, bucket_end, steady.window_ns), scratch);
    buckets.push_back(json::object{{"ok", ok},
                                   {"errors", errors},
                                   {"p50_ms", latency_ms(latencies, 0.50)},
                                   {"p99_ms", latency_ms(latencies, 0.99)},
                                   {"steady", is_steady(window, steady.thresholds)}});
  }
  return json::object{{"bucket_ns", width}, {"buckets", std::move(buckets)}};
}

}  // namespace firedrill
