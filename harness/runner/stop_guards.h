// The stop conditions ([stop] of the scenario): abort guards that protect the system from a drill
// gone wrong. They are evaluated every tick while faults may be in effect or their damage may
// last (from the start of the fault phase through convergence; the baseline has its own gate).
// The first guard to trip is recorded as ("harness", "stop_condition") and the runner takes the
// abort path: every fault reverted, newest first, then the final reads and the reports; verdict
// aborted. Single-threaded (the runner's tick).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "scenario/scenario.h"

namespace firedrill {

class PaymentWorkload;
class Timeline;

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
  StopGuards(const StopSpec& stop, Milliseconds window) : stop_(stop), window_(window) {}

  // One tick at timeline time `now_ns`. `guarded`: the drill is in a phase the guards watch and
  // is not already ending. The last ok completion is followed whether guarded or not, so that a
  // stall that began in the baseline is measured from its true start.
  std::optional<StopTrip> check(int64_t now_ns, const PaymentWorkload& workload, bool guarded);

 private:
  std::optional<StopTrip> check_error_ratio(int64_t now_ns, const PaymentWorkload& workload);
  std::optional<StopTrip> check_no_progress(int64_t now_ns) const;

  const StopSpec& stop_;
  Milliseconds window_;                      // steady_state.window: the error ratio's window
  int64_t ok_seen_ = 0;                      // the workload's ok count at the last tick
  int64_t last_ok_ns_ = -1;                  // when that count last grew (-1: not yet seen)
  int64_t error_ratio_above_since_ns_ = -1;  // start of the current excess (-1: none)
};

// Records `trip` on the timeline.
void record_stop_trip(Timeline& timeline, const StopTrip& trip);

}  // namespace firedrill
