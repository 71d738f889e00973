// The end record and summary.txt; see summary.h.
#include "runner/summary.h"

#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "timeline/timeline.h"

namespace firedrill {

const char* run_end_name(RunEnd end) {
  switch (end) {
    case RunEnd::completed: return "completed";
    case RunEnd::inconclusive: return "inconclusive";
    case RunEnd::aborted: return "aborted";
    case RunEnd::error: return "error";
  }
  return "?";
}

void write_summary(Timeline& timeline, const Scenario& scenario, const Plan& plan, const RunPaths& paths, RunEnd end,
               const PaymentWorkload::Stats& payments, const RunCounts& counts) {
  const std::string name = run_end_name(end);
  timeline.write(HarnessEnd{.end = name,
                            .payments_ok = payments.ok,
                            .payments_fail = payments.fail,
                            .payments_unknown = payments.unknown,
                            .payments_skipped = payments.skipped,
                            .faults_applied = counts.faults_applied,
                            .faults_reverted = counts.faults_reverted,
                            .unexpected_exits = counts.unexpected_exits,
                            .alerts_firing = counts.alerts_firing,
                            .harness_errors = counts.harness_errors});
  std::ostringstream out;
  out << "drill " << scenario.drill.name << " (seed " << plan.seed << "): " << name << "\n"
      << "  payments: " << payments.ok << " ok, " << payments.fail << " failed, " << payments.unknown
      << " unknown, " << payments.skipped << " not started (in-flight limit)\n"
      << "  faults: " << counts.faults_applied << " applied, " << counts.faults_reverted
      << " reverted; unexpected process exits: " << counts.unexpected_exits
      << "; harness errors: " << counts.harness_errors << "\n"
      << "  run directory: " << paths.run_dir << " (timeline.jsonl: " << timeline.records() << " records, chain head "
      << timeline.head().substr(0, 16) << ")\n";
  std::ofstream(paths.summary()) << out.str();
  std::cout << out.str() << std::flush;
}

}  // namespace firedrill
