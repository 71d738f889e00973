// The sections of report.json written for auditors and regulators (DESIGN.md §6; the research in
// reference/scoring-and-evidence.md §3.2–3.3): scope, objectives frozen before the run, method,
// preconditions, timeline, deviations, limitations and who ran the drill. They are additions to
// the scorer's report (no key of it is replaced), built from the run directory alone (run.json,
// the timeline, scenario.toml, plan.txt) plus facts about the host, so `firedrill score` on
// another machine gives the same sections except where the timeline did not record a fact.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "host/host_facts.h"

namespace firedrill {

// The auditor sections for report.json: {"scope", "objectives_frozen", "method",
// "preconditions", "timeline", "deviations", "limitations", "who"}. `run` is run.json and
// `timeline` the records of timeline.jsonl in order (RunData of scoring); run_dir is read for
// scenario.toml, plan.txt, run.json's digest and the timeline's chain head. Malformed or missing
// inputs give nulls and empty lists, never an exception.
boost::json::object auditor_sections(const std::string& run_dir, const boost::json::object& run,
                                     const std::vector<boost::json::object>& timeline);
// `workload_records`: the timeline's records kept apart from `timeline` (scoring's compact
// workload records; none of them is read here, but they are counted).
boost::json::object auditor_sections(const std::string& run_dir, const boost::json::object& run,
                                     const std::vector<boost::json::object>& timeline, const HostFacts& host,
                                     std::size_t workload_records = 0);

}  // namespace firedrill
