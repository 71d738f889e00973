// Stage ③: runs one planned drill inside the lab and records everything on the timeline
// (DESIGN.md §1): lab up → system up → baseline (steady state must hold, else inconclusive) →
// fault phase (workload, probes, alert receiver, log watcher; faults applied, verified and
// reverted on schedule) → heal → convergence window → final reads of every ledger's export →
// lab down. A fault's revert is registered before it is applied and every registered revert runs
// in reverse order on every way out: the normal end, an error, SIGINT or SIGTERM.
//
// Must run in the controller process that enter_lab() returned in (PID 1 of the lab, in its own
// mount and network namespaces). Single-threaded on one io_context.
#pragma once

#include <cstdint>
#include <string>

#include "plan/plan.h"
#include "runner/stop_switch.h"
#include "scenario/scenario.h"

namespace firedrill {

// How a run ended; the CLI maps it to the exit code. Full verdicts come with scoring.
enum class RunEnd {
  completed,     // every phase ran (exit 0 until scoring decides pass or fail)
  inconclusive,  // a precondition failed: the system did not come up or the baseline was not steady
  aborted,       // SIGINT / SIGTERM / the StopSwitch: faults reverted, reports still written
  error,         // a harness error (a fault could not be verified, the lab could not be built)
};

struct RunOptions {
  std::string run_dir;   // created by the caller; timeline.jsonl, logs/, exports/ go here
  std::string bin_dir;   // {bin}: where the system's programs are
  std::string subnet = "198.18.0.0/24";
  bool progress = true;  // a status line every second on stdout
  StopSwitch* stop_switch = nullptr;  // a stop from another thread (the live page), if any
};

RunEnd run_drill(const Scenario& scenario, const Plan& plan, const RunOptions& options);

// The clock shim preloaded into the nodes a clock fault can reach: $FIREDRILL_CLOCK_SHIM, or
// libfiredrill-clock.so in `bin_dir` (beside the firedrill executable).
std::string find_clock_shim(const std::string& bin_dir);

}  // namespace firedrill
