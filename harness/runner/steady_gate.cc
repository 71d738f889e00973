// The live steady-state judgement; see steady_gate.h.
#include "runner/steady_gate.h"

#include "workload/payment_workload.h"

namespace firedrill {

bool steady_now(const PaymentWorkload& workload, const SteadyStateSpec& spec) {
  constexpr int64_t kNsPerMs = 1'000'000;
  auto w = workload.window(spec.window.count() * kNsPerMs);
  int64_t total = w.ok + w.fail + w.unknown;
  if (total == 0) return false;
  double ratio = static_cast<double>(w.ok) / static_cast<double>(total);
  bool latency_ok = !spec.latency_p99_max || w.latency_p99_ms <= static_cast<double>(spec.latency_p99_max->count());
  return ratio >= spec.success_ratio_min && latency_ok;
}

}  // namespace firedrill
