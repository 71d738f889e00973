// The live steady-state judgement; see steady_gate.h.
#include "runner/steady_gate.h"

#include <vector>

#include "core/steady_state.h"
#include "core/units.h"
#include "workload/payment_workload.h"

namespace firedrill {

bool steady_now(const PaymentWorkload& workload, const SteadyStateSpec& spec) {
  const std::vector<Completion> window = workload.completions(spec.window.count() * kNsPerMs);
  SteadyStateThresholds thresholds;
  thresholds.success_ratio_min = spec.success_ratio_min;
  if (spec.latency_p99_max) thresholds.latency_p99_max_ns = spec.latency_p99_max->count() * kNsPerMs;
  std::vector<int64_t> scratch;
  return is_steady(window_stats(window, scratch), thresholds);
}

}  // namespace firedrill
