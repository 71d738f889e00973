// The stop conditions; see stop_guards.h.
#include "runner/stop_guards.h"

#include <boost/json.hpp>
#include <cstdio>

#include "core/units.h"
#include "timeline/timeline.h"

namespace json = boost::json;

namespace firedrill {
namespace {


}  // namespace

std::optional<StopTrip> StopGuards::check(int64_t now_ns, int64_t ok_total,
                                          const std::function<WindowCounts()>& window, bool guarded) {
  if (last_ok_ns_ < 0 || ok_total != ok_seen_) {
    ok_seen_ = ok_total;
    last_ok_ns_ = now_ns;
  }
  if (!guarded) {
    error_ratio_above_since_ns_ = -1;
    return std::nullopt;
  }
  if (auto trip = check_error_ratio(now_ns, window)) return trip;
  return check_no_progress(now_ns);
}

std::optional<StopTrip> StopGuards::check_error_ratio(int64_t now_ns, const std::function<WindowCounts()>& window) {
  if (!stop_.error_ratio_max || !stop_.error_ratio_for) return std::nullopt;
  const double max = stop_.error_ratio_max.value_or(1.0);
  const Milliseconds hold = stop_.error_ratio_for.value_or(Milliseconds(0));
  const WindowCounts w = window();
  const int64_t total = w.ok + w.fail + w.unknown;
  const double ratio = total > 0 ? static_cast<double>(w.fail + w.unknown) / static_cast<double>(total) : 0.0;
  // A window without completions says nothing about the ratio: "continuously above" ends.
  if (total == 0 || ratio <= max) {
    error_ratio_above_since_ns_ = -1;
    return std::nullopt;
  }
  if (error_ratio_above_since_ns_ < 0) error_ratio_above_since_ns_ = now_ns;
  if (now_ns - error_ratio_above_since_ns_ < hold.count() * kNsPerMs) return std::nullopt;
  char text[160];
  std::snprintf(text, sizeof text, "stop condition error_ratio: %.2f > %g for %s (tripped at %s)", ratio, max,
                format_duration(hold).c_str(), format_offset(now_ns).c_str());
  return StopTrip{"error_ratio", json::value(max), json::value(ratio), error_ratio_above_since_ns_, hold, text};
}

std::optional<StopTrip> StopGuards::check_no_progress(int64_t now_ns) const {
  if (!stop_.no_progress_for) return std::nullopt;
  const Milliseconds limit = stop_.no_progress_for.value_or(Milliseconds(0));
  const int64_t stalled_ns = now_ns - last_ok_ns_;
  if (stalled_ns < limit.count() * kNsPerMs) return std::nullopt;
  char text[160];
  std::snprintf(text, sizeof text, "stop condition no_progress: no payment ok for %s >= %s (tripped at %s)",
                format_offset(stalled_ns).c_str(), format_duration(limit).c_str(), format_offset(now_ns).c_str());
  return StopTrip{"no_progress", json::value(limit.count()), json::value(stalled_ns / kNsPerMs), last_ok_ns_, limit,
                  text};
}

void record_stop_trip(Timeline& timeline, const StopTrip& trip) {
  timeline.write(HarnessStopCondition{.guard = trip.guard,
                                      .threshold = trip.threshold,
                                      .observed = trip.observed,
                                      .since_ns = trip.since_ns,
                                      .for_ms = trip.hold.count(),
                                      .reason = trip.reason});
}

}  // namespace firedrill
