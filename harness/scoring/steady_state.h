// The steady state over the drill's time (DESIGN.md §5): core/steady_state.h judges one window;
// this walks the windows on a grid to find when the steady state came back after an impact.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/limits.h"
#include "core/steady_state.h"
#include "scoring/report_time.h"
#include "scoring/run_spec.h"

namespace firedrill {

class SteadyStateOverTime {
 public:
  // `by_time`: the completions sorted by time; it must outlive this.
  SteadyStateOverTime(std::span<const Completion> by_time, const SteadyStateSettings& settings)
      : by_time_(by_time), settings_(settings) {}

  // Whether the steady state holds over the window ending at `t` (completions in [t-window, t)).
  bool at(int64_t t) const;

  // The start of the last steady stretch in [from, until] if it lasts at least the hold: steady
  // at every grid point from there to `until` (flapping moves it later).
  std::optional<int64_t> recovery(int64_t from, int64_t until) const;

 private:
  std::span<const Completion> by_time_;
  SteadyStateSettings settings_;
  mutable std::vector<int64_t> scratch_;  // window_stats' working memory
};

}  // namespace firedrill
