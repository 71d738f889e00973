// Availability (DESIGN.md §5): the success ratio of the workload's completions against the SLO
// and the error budget it consumed; with an MTBF, the MTTR and the projected availability; and
// fault tolerance, the share of nodes that kept serving.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <vector>

#include "scoring/run_spec.h"
#include "scoring/timeline_index.h"

namespace firedrill {

struct Availability {
  double success_ratio = 0;
  boost::json::object section;  // report.json's "availability"
};

// `recoveries`: the recovery times (ns) of the faults that recovered.
Availability measure_availability(const RunSpec& spec, const TimelineIndex& t,
                                  const std::vector<int64_t>& recoveries);

}  // namespace firedrill
