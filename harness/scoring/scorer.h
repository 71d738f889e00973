// Stage ⑤: scoring, a pure function of a run directory (DESIGN.md §5, §6). It reads run.json,
// timeline.jsonl and the final reads in exports/, and returns report.json: per fault T0,
// T_impact, T_detect (and the harness's own detection beside it), T_recover and the durations;
// the reconciliation of every payment by idempotency key against every ledger's export; the
// invariants; availability; the objectives; the verdict and its exit code, with every failing
// condition listed. `firedrill score RUN_DIR` and `firedrill run` use the same code, so a run
// directory re-scores to the same report.
//
// The stages, one file each (README.md): read the run directory (run_dir_reader.h) → index the
// timeline (timeline_index.h) → measure (fault_measures.h, exports.h + reconciliation.h,
// invariants.h, availability.h, restores.h) → judge (objectives.h, failures.h) → report (here).
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "scoring/run_data.h"
#include "scoring/run_dir_reader.h"
#include "scoring/timeline_lines.h"

namespace firedrill {

constexpr const char* kReportSchema = "firedrill.report/v1";

// The report. Never throws: an exception inside a checker makes the verdict inconclusive, and so
// does an export file that cannot be read to its end. Memory: a few dozen bytes per payment
// beside `data`; the exports are read a block at a time, each distinct text once.
boost::json::object score(const RunData& data);

// 0 pass, 1 objectives_missed, 2 safety_failure, 3 inconclusive, 4 aborted.
int exit_code_of(const std::string& verdict);

// A few lines for people: verdict, headline numbers, failing conditions.
std::string report_summary(const boost::json::object& report);

}  // namespace firedrill
