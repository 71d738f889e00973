// The one steady-state judgement (DESIGN.md §5): over a window of workload completions, the ratio
// of ok answers and the p99 latency of the ok ones, held against the scenario's thresholds.
// Scoring judges recovery with it, the runner's baseline gate judges the baseline with it, and
// the HTML chart's series are computed with it, so the three never disagree about "steady".
// Pure: no clock, no I/O; the caller picks the window.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/percentile.h"

namespace firedrill {

// What the workload was told about one attempt of a payment.
enum class Outcome : uint8_t { ok, fail, unknown };

// One workload completion: when it was told, what, and how long the attempt took.
struct Completion {
  int64_t t_ns = 0;
  Outcome outcome = Outcome::ok;
  int64_t latency_ns = 0;
};

// The scenario's [steady_state] thresholds (the window and hold are the caller's business).
struct SteadyStateThresholds {
  double success_ratio_min = 0;
  std::optional<int64_t> latency_p99_max_ns;  // none: latency is not judged
};

// What a window holds: its completions, the ok ones, and the p99 latency of the ok ones
// (core/percentile.h; none when no completion was ok).
struct WindowStats {
  int64_t completions = 0;
  int64_t ok = 0;
  std::optional<int64_t> latency_p99_ns;

  double ok_ratio() const {
    return completions == 0 ? 0 : static_cast<double>(ok) / static_cast<double>(completions);
  }
};

// Steady: at least one completion, an ok ratio of at least the minimum, and (when the scenario
// bounds it and some completion was ok) a p99 latency of at most the maximum.
inline bool is_steady(const WindowStats& w, const SteadyStateThresholds& t) {
  if (w.completions == 0) return false;
  if (w.ok_ratio() < t.success_ratio_min) return false;
  return !t.latency_p99_max_ns || !w.latency_p99_ns || *w.latency_p99_ns <= *t.latency_p99_max_ns;
}

// The statistics of `window`. `scratch` is working memory the caller may reuse between calls.
inline WindowStats window_stats(std::span<const Completion> window, std::vector<int64_t>& scratch) {
  WindowStats w;
  scratch.clear();
  for (const Completion& c : window) {
    ++w.completions;
    if (c.outcome == Outcome::ok) scratch.push_back(c.latency_ns);
  }
  w.ok = static_cast<int64_t>(scratch.size());
  w.latency_p99_ns = percentile(scratch, 0.99);
  return w;
}

// The completions of `by_time` (sorted by t_ns) in the window [end_ns − window_ns, end_ns).
inline std::span<const Completion> window_ending_at(std::span<const Completion> by_time,
                                                    int64_t end_ns, int64_t window_ns) {
  auto before = [](const Completion& c, int64_t t) { return c.t_ns < t; };
  const auto begin = std::lower_bound(by_time.begin(), by_time.end(), end_ns - window_ns, before);
  const auto end = std::lower_bound(begin, by_time.end(), end_ns, before);
  return std::span<const Completion>(begin, end);
}

}  // namespace firedrill
