// The steady state over time; see steady_state.h.
#include "scoring/steady_state.h"

namespace firedrill {

bool SteadyStateOverTime::at(int64_t t) const {
  const auto window = window_ending_at(by_time_, t, settings_.window_ns);
  return is_steady(window_stats(window, scratch_), settings_.thresholds);
}

std::optional<int64_t> SteadyStateOverTime::recovery(int64_t from, int64_t until) const {
  std::optional<int64_t> stretch;
  for (int64_t t = from; t <= until; t += kSteadyStateGridNs) {
    if (at(t)) {
      if (!stretch) stretch = t;
    } else {
      stretch.reset();
    }
  }
  if (stretch && until - *stretch >= settings_.hold_ns) return stretch;
  return std::nullopt;
}

}  // namespace firedrill
