// Stage ⑤: scoring, a pure function of a run directory (DESIGN.md §5, §6). It reads run.json,
// timeline.jsonl and the final reads in exports/, and returns report.json: per fault T0,
// T_impact, T_detect (and the harness's own detection beside it), T_recover and the durations;
// the reconciliation of every payment by idempotency key against every ledger's export; the
// invariants; availability; the objectives; the verdict and its exit code, with every failing
// condition listed. `firedrill score RUN_DIR` and `firedrill run` use the same code, so a run
// directory re-scores to the same report.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace firedrill {

constexpr const char* kReportSchema = "firedrill.report/v1";

// Everything scoring reads.
struct RunData {
  boost::json::object run;                      // run.json
  std::vector<boost::json::object> timeline;    // timeline.jsonl, in order
  std::map<std::string, std::string> exports;   // node → NDJSON export text
  std::map<std::string, std::string> balances;  // node → balances JSON text
  std::vector<std::string> read_errors;         // unreadable lines or files (→ inconclusive)
};

Result<RunData> read_run_dir(const std::string& dir);

// The report. Never throws: an exception inside a checker makes the verdict inconclusive.
boost::json::object score(const RunData& data);

// 0 pass, 1 objectives_missed, 2 safety_failure, 3 inconclusive, 4 aborted.
int exit_code_of(const std::string& verdict);

// A few lines for people: verdict, headline numbers, failing conditions.
std::string report_summary(const boost::json::object& report);

}  // namespace firedrill
