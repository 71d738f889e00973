// junit.xml: a drill as JUnit XML that GitHub, GitLab and Jenkins render natively (DESIGN.md §6).
// One <testsuite name="firedrill: SCENARIO"> holds one <testcase> per entry of
// report["objectives"], then one per check — lost, duplicated, failed_but_applied, unexpected,
// corrupted, money_conserved, negative_balances, balances_match_replay, replicas_agree — then a
// detection and a recovery case per fault. A failing case carries
// <failure message="measured X vs target Y">; an inconclusive or aborted drill adds a first case
// with an <error> listing the reasons; a check the report has no value for is <skipped>. The
// tests / failures / errors / skipped attributes count those cases. Checked against golden files
// in tests/reports/.
#pragma once

#include <boost/json/object.hpp>
#include <string>

namespace firedrill {

// junit.xml for a report.json (schema firedrill.report/v1). A pure function with a stable order
// of cases; every value from the report is XML-escaped (characters XML 1.0 forbids become U+FFFD).
// A case passes or fails exactly as the verdict counts it, so a passing drill has no failures.
std::string junit_report(const boost::json::object& report);

}  // namespace firedrill
