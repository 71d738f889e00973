// The once-a-second progress; see progress.h.
#include "runner/progress.h"

#include <boost/json.hpp>
#include <cstdio>

#include "core/limits.h"
#include "runner/console.h"
#include "runner/steady_gate.h"
#include "timeline/timeline.h"
#include "workload/payment_workload.h"

namespace firedrill {

void Progress::report(Phase phase, const PaymentWorkload& workload, const std::string& active) {
  auto w = workload.window(kProgressWindowNs);
  const bool is_steady = steady_now(workload, spec_);
  timeline_.write(HarnessSteadyState{
      .steady = is_steady, .ok = w.ok, .fail = w.fail, .unknown = w.unknown, .p99_ms = w.latency_p99_ms});
  char line[256];
  std::snprintf(line, sizeof line, "%-11s payments/s %5lld  errors %3lld  unknown %3lld  p99 %6.1f ms  %s  active: %s",
                phase_name(phase), static_cast<long long>(w.ok), static_cast<long long>(w.fail),
                static_cast<long long>(w.unknown), w.latency_p99_ms, is_steady ? "steady  " : "UNSTEADY",
                active.empty() ? "-" : active.c_str());
  if (faults_may_act(phase)) {
    if (was_steady_ && !is_steady) console_.say("steady state lost");
    if (!was_steady_ && is_steady) console_.say("steady state back");
  }
  was_steady_ = is_steady;
  console_.show_status(line);
}

}  // namespace firedrill
