// The end of a drill in two forms: the timeline's last record ("harness" / "end") with the
// counts scoring cross-checks, and summary.txt (also printed) for a person.
#pragma once

#include <cstdint>
#include <string>

#include "plan/plan.h"
#include "runner/drill_runner.h"
#include "runner/run_paths.h"
#include "scenario/scenario.h"
#include "workload/payment_workload.h"

namespace firedrill {

class Timeline;

// What the runner counted during the drill.
struct RunCounts {
  int64_t faults_applied = 0;   // applies verified
  int64_t faults_reverted = 0;  // reverts verified
  int64_t unexpected_exits = 0;
  int64_t alerts_firing = 0;
  int64_t harness_errors = 0;
};

// "completed", "inconclusive", "aborted", "error".
const char* run_end_name(RunEnd end);

// Records the end, writes summary.txt and prints it.
void write_summary(Timeline& timeline, const Scenario& scenario, const Plan& plan, const RunPaths& paths, RunEnd end,
               const PaymentWorkload::Stats& payments, const RunCounts& counts);

}  // namespace firedrill
