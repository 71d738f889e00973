// Baseline comparison of two report.json (schema firedrill.report/v1, reports/README.md): the CI
// gate of DESIGN.md §6 — fail when lost payments appear or detection / recovery regress beyond a
// stated tolerance. `firedrill compare BASE CANDIDATE` and `run --baseline` print the findings
// and the table and return the exit code.
//
// Exit codes (precedence 3 > 2 > 1 > 0; every finding is listed whatever the code):
//   3  cannot compare: either report unreadable (not an object of schema firedrill.report/v1,
//      a section missing or of another type, an unknown verdict), either verdict inconclusive or
//      aborted, different scenario digests (refused: nothing else is compared), different fault
//      lists (index and kind must match one to one), or a tolerance that is negative / not finite.
//   2  safety regression: lost, duplicated, failed_but_applied, unexpected, corrupted or
//      negative_balances greater than in the base (any increase), or an invariant
//      (money_conserved, replicas_agree, balances_match_replay) false where the base had true.
//   1  detection / recovery regression, per fault: detected (recovered) in the base but not in the
//      candidate, or detection_ms (recovery_ms) worse beyond the tolerance.
//   0  no regression (findings then hold a "no regression" line, and any improvements).
//
// A timing is a regression only when it exceeds BOTH bounds:
//   candidate > base * (1 + percent / 100)  AND  candidate - base > floor_ms
// and symmetrically an improvement only when candidate < base * (1 - percent / 100) AND
// base - candidate > floor_ms. Improvements are reported, never fail. outage_ms and availability
// are shown in the table but do not gate.
//
// Pure: no clock, locale, environment or file access; the same inputs give the same bytes. Never
// throws on a report of another shape (it is reported as unreadable, exit 3).
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

namespace firedrill {

struct Tolerance {
  double percent = 20;    // relative bound, in percent of the base value
  double floor_ms = 500;  // absolute bound, in milliseconds
};

struct Comparison {
  int exit_code = 3;  // 0 ok, 1 detection / recovery regression, 2 safety regression, 3 cannot compare
  // One line per finding, each starting with its class: "cannot compare: ", "safety regression: ",
  // "regression: ", "improvement: ", or the single line "no regression ..." when exit_code is 0.
  std::vector<std::string> findings;
  // Plain-text (ASCII) side-by-side table: scenario, seed, verdict; per fault detection_ms,
  // recovery_ms, outage_ms; the reconciliation counts and invariants; availability. Columns:
  // metric, base, candidate, delta, mark ("<< SAFETY", "<< REGRESSION", "improved"). Ends with
  // a newline.
  std::string table;
};

Comparison compare_reports(const boost::json::object& base, const boost::json::object& candidate,
                           const Tolerance& tolerance);

}  // namespace firedrill
