// Whether the system is in its steady state now: the workload's completions of the last
// steady_state.window judged by the one steady-state judgement (core/steady_state.h), the same
// scoring uses for recovery. The baseline gate (no fault before it holds), the console's
// "steady state lost / back" and the timeline's ("harness", "steady_state") records use it.
#pragma once

#include "scenario/scenario.h"

namespace firedrill {

class PaymentWorkload;

bool steady_now(const PaymentWorkload& workload, const SteadyStateSpec& spec);

}  // namespace firedrill
