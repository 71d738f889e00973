// Alert coverage (DESIGN.md §2b): for each fault, which alerts fired for it; which fault no alert
// caught; which alert fired with no fault to answer for it (noise: in the baseline, or after
// every fault's effect was over). An alert's firing notification belongs to each fault whose
// window holds it: from the fault's start to the latest of its T0, revert and recovery, plus the
// time the alert may take to arrive (scrape + evaluation + its rule's `for` + group_wait, with
// the drill's Prometheus) and one second.
#pragma once

#include <boost/json/value.hpp>

#include "scoring/fault_measures.h"
#include "scoring/timeline_index.h"

namespace firedrill {

// report.json's "alert_coverage": {"rules": [...], "faults": [...], "uncaught": [...],
// "noise": [...]}; null when the drill saw no alert and loaded no rule.
boost::json::value alert_coverage_json(const TimelineIndex& t, const FaultMeasures& m);

}  // namespace firedrill
