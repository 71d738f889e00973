// run.json: what a drill was asked to do, frozen before it starts (objectives, steady state,
// detection, workload, contract, faults). Scoring reads only run.json, the timeline and the final
// reads, so a run directory can be re-scored offline without the scenario's system definition.
#pragma once

#include <boost/json/object.hpp>

#include "plan/plan.h"
#include "scenario/scenario.h"

namespace firedrill {

constexpr const char* kRunRecordSchema = "firedrill.run/v1";

boost::json::object make_run_record(const Scenario& scenario, const Plan& plan);

}  // namespace firedrill
