// Per fault (DESIGN.md §5): T0 (verified in effect), T_impact, T_detect (and the harness's own
// detection by probes beside it), T_recover (the steady state back and held), and the durations
// between them, with what limits their precision.
#pragma once

#include <boost/json/array.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scoring/run_spec.h"
#include "scoring/steady_state.h"
#include "scoring/timeline_index.h"

namespace firedrill {

struct FaultMeasure {
  int index = 0;
  std::string kind, target, node;
  std::optional<int64_t> scheduled_ns, reverted_ns;
  int64_t t0_ns = 0;
  std::optional<int64_t> impact_ns, detect_ns, harness_detect_ns, recover_ns;
  std::string detected_by;
  const AlertEvent* detecting_alert = nullptr;  // the notification that detected it, if an alert did
  bool masked = false;  // no impact: recovered at T0

  // Detection and recovery in ms as report.json gives them (at least 0), or nullopt.
  std::optional<double> detection_ms() const;
  std::optional<double> recovery_ms() const;
};

struct FaultMeasures {
  std::vector<FaultMeasure> measured;     // the faults verified in effect, by index
  std::vector<std::string> inconclusive;  // never verified; detection alert already firing
};

FaultMeasures measure_faults(const RunSpec& spec, const TimelineIndex& t,
                             const SteadyStateOverTime& steady);

// report.json's "faults".
// report.json's "faults", each with its detection stages when the drill's Prometheus detected it.
boost::json::array faults_json(const FaultMeasures& m, const RunSpec& spec, const TimelineIndex& t);

// The recovery times (ns from T0) of the faults that recovered, for the MTTR.
std::vector<int64_t> recovery_times(const FaultMeasures& m);

}  // namespace firedrill
