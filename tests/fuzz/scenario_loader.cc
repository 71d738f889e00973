// Fuzz target: the scenario loader (harness/scenario: load_scenario) on any bytes as a scenario
// file, and the planner on every scenario it accepts. The input is written to scenario.toml in
// the scratch directory (targets.h), so definition = "sample-system/refpay.toml" resolves to the
// real refpay definition and faults are checked against a real system.
// Must hold: a rejected file has diagnostics, each naming a file; an accepted one respects the
// limits of core/limits.h, every fault lies inside the drill, and it plans.
#include <string>

#include "core/limits.h"
#include "fault/fault_kinds.h"
#include "plan/plan.h"
#include "scenario/scenario.h"
#include "rejection_checks.h"
#include "targets.h"

namespace firedrill::fuzz {

void scenario_loader(std::string_view input) {
  const std::string path = scratch_file("scenario.toml", input);
  auto loaded = load_scenario(path, builtin_fault_kinds().catalog());
  if (check_rejection(loaded)) return;
  const Scenario& s = std::get<Scenario>(loaded);
  FUZZ_CHECK(s.text == input, "the scenario's verbatim text differs from the file");
  FUZZ_CHECK(s.drill.duration > Milliseconds(0) && s.drill.duration <= kDrillDurationMaxMs,
             format_duration(s.drill.duration));
  FUZZ_CHECK(s.faults.size() <= kFaultsMax, std::to_string(s.faults.size()) + " faults");
  FUZZ_CHECK(s.workload.rate_per_s > 0 && s.workload.rate_per_s <= kRatePerSecondMax,
             std::to_string(s.workload.rate_per_s));
  FUZZ_CHECK(s.workload.in_flight_max >= 1 && s.workload.in_flight_max <= kInFlightMax,
             std::to_string(s.workload.in_flight_max));
  FUZZ_CHECK(s.workload.accounts >= 2 && s.workload.accounts <= kAccountsMax,
             std::to_string(s.workload.accounts));
  FUZZ_CHECK(!s.system.nodes.empty() && static_cast<int64_t>(s.system.nodes.size()) <= kNodesMax,
             std::to_string(s.system.nodes.size()) + " nodes");
  for (std::size_t i = 0; i < s.faults.size(); ++i) {
    const FaultSpec& f = s.faults[i];
    FUZZ_CHECK(f.index == static_cast<int>(i), "fault index " + std::to_string(f.index));
    FUZZ_CHECK(!f.kind.empty() && !f.target.empty(), "fault[" + std::to_string(i) + "] without kind or target");
    FUZZ_CHECK(f.at >= Milliseconds(0) && f.at < s.drill.duration, "fault[" + std::to_string(i) + "].at " + format_duration(f.at));
  }
  const Plan plan = make_plan(s, s.drill.seed);
  FUZZ_CHECK(plan.scenario_name == s.drill.name, plan.scenario_name);
  for (const PlannedStep& step : plan.steps) {
    FUZZ_CHECK(step.fault_index >= 0 && static_cast<std::size_t>(step.fault_index) < s.faults.size(),
               "step of fault " + std::to_string(step.fault_index));
  }
  FUZZ_CHECK(!plan.text().empty(), "empty plan text");
}

}  // namespace firedrill::fuzz
