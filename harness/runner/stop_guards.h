// The stop conditions ([stop] of the scenario): abort guards that protect the system from a drill
// gone wrong. They are evaluated every tick while faults may be in effect or their damage may
// last (from the start of the fault phase through convergence; the baseline has its own gate).
// The first guard to trip is recorded as a HarnessStopCondition and the runner takes the
// abort path: every fault reverted, newest first, then the final reads and the reports; verdict
// aborted. Single-threaded (the runner's tick).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "scenario/scenario.h"

namespace firedrill {

class Timeline;

// What the workload completed in the error ratio's window (steady_state.window).
struct WindowCounts {
  int64_t ok = 0;
  int64_t fail = 0;
  int64_t unknown = 0;
};

// A tripped guard. `threshold` and `observed` are a share for error_ratio, milliseconds for
// no_progress; `since_ns` is when the condition began (above the ratio; the last ok completion).
struct StopTrip {
  std::string guard;  // "error_ratio" or "no_progress"
  boost::json::value threshold;
  boost::json::value observed;
  int64_t since_ns = 0;
  Milliseconds hold{0};
  std::string reason;  // for the console and the abort record
};

class StopGuards {
 public:
  explicit StopGuards(const StopSpec& stop) : stop_(stop) {}

  // One tick at timeline time `now_ns`: `ok_total` is the workload's ok count since its start,
  // `window` what it completed in the error ratio's window (asked only when that guard is set).
  // `guarded`: the drill is in a phase the guards watch and is not already ending. The last ok
  // completion is followed whether guarded or not, so that a stall that began in the baseline is
  // measured from its true start.
  std::optional<StopTrip> check(int64_t now_ns, int64_t ok_total, const std::function<WindowCounts()>& window,
                                bool guarded);

 private:
  std::optional<StopTrip> check_error_ratio(int64_t now_ns, const std::function<WindowCounts()>& window);
  std::optional<StopTrip> check_no_progress(int64_t now_ns) const;

  const StopSpec& stop_;
  int64_t ok_seen_ = 0;                      // the workload's ok count at the last tick
  int64_t last_ok_ns_ = -1;                  // when that count last grew (-1: not yet seen)
  int64_t error_ratio_above_since_ns_ = -1;  // start of the current excess (-1: none)
};

// Records `trip` on the timeline.
void record_stop_trip(Timeline& timeline, const StopTrip& trip);

}  // namespace firedrill
