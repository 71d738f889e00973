// Once a second during a drill: the last second's payments, errors, unknown outcomes and p99 on
// the console's status line with the faults in effect, the steady state on the timeline
// ("harness" / "steady_state"), and, while faults may act, a console line when the steady state
// is lost or comes back (recovery as it happens). Single-threaded (the runner's tick).
#pragma once

#include <string>

#include "runner/phase.h"
#include "scenario/scenario.h"

namespace firedrill {

class Console;
class PaymentWorkload;
class Timeline;

class Progress {
 public:
  Progress(Timeline& timeline, Console& console, const SteadyStateSpec& spec)
      : timeline_(timeline), console_(console), spec_(spec) {}

  // `active`: the faults in effect ("kind@node, ..."), "" for none.
  void report(Phase phase, const PaymentWorkload& workload, const std::string& active);

 private:
  Timeline& timeline_;
  Console& console_;
  const SteadyStateSpec& spec_;
  bool was_steady_ = true;
};

}  // namespace firedrill
