// Tests of the baseline comparison (reports/compare.h): pure, on small hand-built reports of
// schema firedrill.report/v1 (only the keys the comparison reads, plus a few for the table).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "reports/compare.h"

namespace firedrill {
namespace {

namespace json = boost::json;

constexpr const char* kDigest = "9b9beb9cb7f017062a22d4d4f04f5ad45526bd85864d7935bf5cf3e09450d283";

json::object fault(int index, const char* kind, double detection_ms, double recovery_ms) {
  return json::object{{"index", index},
                      {"kind", kind},
                      {"target", "role:ledger-primary"},
                      {"node", "ledger-1"},
                      {"detected", true},
                      {"detected_by", "alert LedgerPrimaryDown"},
                      {"detection_ms", detection_ms},
                      {"recovered", true},
                      {"recovery_ms", recovery_ms},
                      {"outage_ms", recovery_ms - 8}};
}

// A passing run of one process.kill: detection 1331.719 ms, recovery 2000 ms, nothing lost.
json::object report() {
  return json::object{
      {"schema", "firedrill.report/v1"},
      {"verdict", "pass"},
      {"exit_code", 0},
      {"scenario", json::object{{"name", "primary-kill-short"}, {"digest", kDigest}, {"description", ""}}},
      {"seed", 7},
      {"failures", json::object{{"inconclusive", json::array{}},
                                {"aborted", json::array{}},
                                {"safety", json::array{}},
                                {"objectives", json::array{}}}},
      {"faults", json::array{fault(0, "process.kill", 1331.719, 2000)}},
      {"reconciliation", json::object{{"invoked", 1601},
                                      {"acknowledged", 1601},
                                      {"lost", 0},
                                      {"lost_ids", json::array{}},
                                      {"lost_after_t0", 0},
                                      {"duplicated", 0},
                                      {"duplicated_ids", json::array{}},
                                      {"failed_but_applied", 0},
                                      {"unexpected", 0},
                                      {"corrupted", 0},
                                      {"recovered", 0},
                                      {"unknown_absent", 0},
                                      {"money_conserved", true},
                                      {"negative_balances", 0},
                                      {"balances_match_replay", true},
                                      {"replicas_agree", true},
                                      {"invariant_problems", json::array{}},
                                      {"rpo_ms", 0}}},
      {"availability", json::object{{"success_ratio", 0.9708914493632504}, {"slo", 0.95}, {"fault_tolerance", 0.6}}},
      {"objectives", json::array{}},
      {"unexpected_exits", json::array{}},
  };
}

json::object& fault0(json::object& r) { return r["faults"].as_array()[0].as_object(); }
json::object& rec(json::object& r) { return r["reconciliation"].as_object(); }

std::string all(const Comparison& c) {
  std::string out;
  for (const auto& f : c.findings) out += f + "\n";
  return out + c.table;
}

bool has_finding(const Comparison& c, const std::string& needle) {
  return std::any_of(c.findings.begin(), c.findings.end(),
                     [&](const std::string& f) { return f.find(needle) != std::string::npos; });
}

// The table line whose metric is `metric`, or "".
std::string table_line(const Comparison& c, const std::string& metric) {
  std::size_t at = 0;
  while (at < c.table.size()) {
    std::size_t end = c.table.find('\n', at);
    std::string line = c.table.substr(at, end - at);
    if (line.rfind(metric + " ", 0) == 0) return line;
    at = end + 1;
  }
  return "";
}

Comparison compare(const json::object& base, const json::object& cand, Tolerance t = {}) {
  return compare_reports(base, cand, t);
}

// The report with fault[0] recovered in `ms`.
json::object recovering_in_ms(double ms) {
  json::object r = report();
  fault0(r)["recovery_ms"] = ms;
  return r;
}

// Compares `cand` with the unchanged report, expecting a regression (exit 1) that names `finding`.
Comparison expect_regression(const json::object& cand, const std::string& finding) {
  Comparison c = compare(report(), cand);
  EXPECT_EQ(c.exit_code, 1) << finding << "\n" << all(c);
  EXPECT_TRUE(has_finding(c, finding)) << all(c);
  return c;
}

TEST(Compare, EqualRunsPass) {
  Comparison c = compare(report(), report());
  EXPECT_EQ(c.exit_code, 0) << all(c);
  ASSERT_EQ(c.findings.size(), 1u) << all(c);
  EXPECT_EQ(c.findings[0].rfind("no regression", 0), 0u) << all(c);
  EXPECT_EQ(c.table.find("<<"), std::string::npos) << c.table;
  EXPECT_NE(table_line(c, "verdict").find("pass"), std::string::npos) << c.table;
  EXPECT_NE(table_line(c, "fault[0] process.kill detection_ms").find("1331.719"), std::string::npos) << c.table;
}

TEST(Compare, LostPaymentIsASafetyRegression) {
  json::object cand = report();
  cand["verdict"] = "safety_failure";
  rec(cand)["lost"] = 1;
  rec(cand)["lost_ids"] = json::array{"pay-000042"};
  Comparison c = compare(report(), cand);
  EXPECT_EQ(c.exit_code, 2) << all(c);
  EXPECT_TRUE(has_finding(c, "safety regression: lost 0 -> 1 (+1) (lost_ids: pay-000042)")) << all(c);
  std::string line = table_line(c, "reconciliation lost");
  EXPECT_NE(line.find("<< SAFETY"), std::string::npos) << c.table;
}

TEST(Compare, SafetyBeatsTimingAndAllAreListed) {
  json::object cand = report();
  rec(cand)["duplicated"] = 2;
  rec(cand)["replicas_agree"] = false;
  rec(cand)["invariant_problems"] = json::array{"ledger-2: differs from ledger-1"};
  rec(cand)["negative_balances"] = 1;
  fault0(cand)["recovery_ms"] = 9000.0;
  Comparison c = compare(report(), cand);
  EXPECT_EQ(c.exit_code, 2) << all(c);
  EXPECT_TRUE(has_finding(c, "safety regression: duplicated 0 -> 2")) << all(c);
  EXPECT_TRUE(has_finding(c, "safety regression: replicas_agree true -> false (ledger-2: differs from ledger-1)")) << all(c);
  EXPECT_TRUE(has_finding(c, "safety regression: negative_balances 0 -> 1")) << all(c);
  EXPECT_TRUE(has_finding(c, "regression: fault[0] process.kill recovery_ms 2000 -> 9000")) << all(c);
}

TEST(Compare, SafetyCountsEqualToTheBaseDoNotFailButFewerAreImprovements) {
  json::object base = report();
  rec(base)["lost"] = 3;
  rec(base)["unexpected"] = 1;
  json::object cand = report();
  rec(cand)["lost"] = 3;
  Comparison c = compare(base, cand);
  EXPECT_EQ(c.exit_code, 0) << all(c);
  EXPECT_TRUE(has_finding(c, "improvement: unexpected 1 -> 0")) << all(c);
  EXPECT_FALSE(has_finding(c, "lost")) << all(c);
}

TEST(Compare, RecoveryRegressionBeyondToleranceFails) {
  json::object cand = recovering_in_ms(3000.0);
  Comparison c = compare(report(), cand, Tolerance{20, 500});
  EXPECT_EQ(c.exit_code, 1) << all(c);
  EXPECT_TRUE(has_finding(c, "regression: fault[0] process.kill recovery_ms 2000 -> 3000 ms (+1000 (+50 %))")) << all(c);
  EXPECT_TRUE(has_finding(c, "20 % and 500 ms")) << all(c);
  std::string line = table_line(c, "fault[0] process.kill recovery_ms");
  EXPECT_NE(line.find("2000"), std::string::npos) << c.table;
  EXPECT_NE(line.find("3000"), std::string::npos) << c.table;
  EXPECT_NE(line.find("+1000 (+50 %)"), std::string::npos) << c.table;
  EXPECT_NE(line.find("<< REGRESSION"), std::string::npos) << c.table;
}

TEST(Compare, RecoveryWithinRelativeTolerancePasses) {
  json::object cand = recovering_in_ms(2300.0);  // +15 % < 20 % (and +300 ms < 500 ms)
  Comparison c = compare(report(), cand, Tolerance{20, 500});
  EXPECT_EQ(c.exit_code, 0) << all(c);
  // +15 % alone is within the tolerance even when the floor is exceeded.
  c = compare(report(), cand, Tolerance{20, 100});
  EXPECT_EQ(c.exit_code, 0) << all(c);
  EXPECT_NE(table_line(c, "fault[0] process.kill recovery_ms").find("+300 (+15 %)"), std::string::npos) << c.table;
}

TEST(Compare, RecoveryWithinAbsoluteFloorPasses) {
  json::object base = recovering_in_ms(100.0);
  json::object cand = recovering_in_ms(400.0);  // +300 % but only +300 ms < 500 ms
  Comparison c = compare(base, cand, Tolerance{20, 500});
  EXPECT_EQ(c.exit_code, 0) << all(c);
  EXPECT_NE(table_line(c, "fault[0] process.kill recovery_ms").find("+300 (+300 %)"), std::string::npos) << c.table;
}

TEST(Compare, BothBoundsAreStrict) {
  json::object base = recovering_in_ms(2500.0);
  json::object cand = recovering_in_ms(3000.0);  // exactly +20 % and exactly +500 ms: not beyond
  EXPECT_EQ(compare(base, cand, Tolerance{20, 500}).exit_code, 0);
  fault0(cand)["recovery_ms"] = 3000.5;
  EXPECT_EQ(compare(base, cand, Tolerance{20, 500}).exit_code, 1);
}

TEST(Compare, DetectionRegressionBeyondToleranceFails) {
  json::object cand = report();
  fault0(cand)["detection_ms"] = 4000.0;
  expect_regression(cand, "fault[0] process.kill detection_ms 1331.719 -> 4000 ms");
}

TEST(Compare, UndetectedInCandidateFails) {
  json::object cand = report();
  fault0(cand)["detected"] = false;
  fault0(cand)["detection_ms"] = nullptr;
  Comparison c = expect_regression(
      cand, "regression: fault[0] process.kill undetected in the candidate (detection_ms 1331.719 in the base)");
  std::string line = table_line(c, "fault[0] process.kill detection_ms");
  EXPECT_NE(line.find("undetected"), std::string::npos) << c.table;
  EXPECT_NE(line.find("<< REGRESSION"), std::string::npos) << c.table;
}

TEST(Compare, NotRecoveredInCandidateFails) {
  json::object cand = report();
  cand["verdict"] = "objectives_missed";
  fault0(cand)["recovered"] = false;
  fault0(cand)["recovery_ms"] = nullptr;
  fault0(cand)["outage_ms"] = nullptr;
  expect_regression(cand, "fault[0] process.kill not recovered in the candidate");
}

TEST(Compare, ImprovementsAreReportedNeverFail) {
  json::object base = report();
  fault0(base)["detected"] = false;
  fault0(base)["detection_ms"] = nullptr;
  fault0(base)["recovery_ms"] = 8000.0;
  base["verdict"] = "objectives_missed";
  Comparison c = compare(base, report());
  EXPECT_EQ(c.exit_code, 0) << all(c);
  EXPECT_TRUE(has_finding(c, "no regression")) << all(c);
  EXPECT_TRUE(has_finding(c, "improvement: fault[0] process.kill undetected in the base")) << all(c);
  EXPECT_TRUE(has_finding(c, "improvement: fault[0] process.kill recovery_ms 8000 -> 2000 ms (-6000 (-75 %))")) << all(c);
  EXPECT_NE(table_line(c, "fault[0] process.kill recovery_ms").find("improved"), std::string::npos) << c.table;
}

TEST(Compare, DifferentScenarioDigestIsRefused) {
  json::object cand = report();
  cand["scenario"].as_object()["digest"] = std::string(64, 'a');
  rec(cand)["lost"] = 5;  // not compared: the runs are of different scenarios
  Comparison c = compare(report(), cand);
  EXPECT_EQ(c.exit_code, 3) << all(c);
  ASSERT_EQ(c.findings.size(), 1u) << all(c);
  EXPECT_NE(c.findings[0].find("cannot compare: different scenarios"), std::string::npos) << all(c);
  EXPECT_NE(c.findings[0].find(kDigest), std::string::npos) << all(c);
  EXPECT_NE(table_line(c, "digest").find("<< DIFFERS"), std::string::npos) << c.table;
}

TEST(Compare, InconclusiveOrAbortedEitherSideIsExit3) {
  json::object cand = report();
  cand["verdict"] = "inconclusive";
  cand["failures"].as_object()["inconclusive"] = json::array{"fault[0] process.kill was never verified in effect"};
  Comparison c = compare(report(), cand);
  EXPECT_EQ(c.exit_code, 3) << all(c);
  EXPECT_TRUE(has_finding(c, "candidate verdict is inconclusive: fault[0] process.kill was never verified")) << all(c);

  cand = report();
  cand["verdict"] = "aborted";
  EXPECT_EQ(compare(report(), cand).exit_code, 3);
  EXPECT_EQ(compare(cand, report()).exit_code, 3);
}

TEST(Compare, UnreadableReportsAreExit3) {
  Comparison c = compare(report(), json::object{});
  EXPECT_EQ(c.exit_code, 3) << all(c);
  EXPECT_TRUE(has_finding(c, "candidate report: empty")) << all(c);

  // The scorer's checker-error report: only the verdict and the failures.
  json::object checker_error{{"schema", "firedrill.report/v1"}, {"verdict", "inconclusive"}, {"exit_code", 3}};
  c = compare(checker_error, report());
  EXPECT_EQ(c.exit_code, 3) << all(c);
  EXPECT_TRUE(has_finding(c, "base report: no scenario digest")) << all(c);

  json::object other = report();
  other["schema"] = "firedrill.report/v2";
  EXPECT_TRUE(has_finding(compare(report(), other), "schema \"firedrill.report/v2\""));

  other = report();
  other["verdict"] = "great";
  EXPECT_EQ(compare(report(), other).exit_code, 3);

  other = report();
  rec(other)["lost"] = "0";
  EXPECT_TRUE(has_finding(compare(report(), other), "reconciliation.lost missing or not a number"));

  other = report();
  rec(other).erase("money_conserved");
  EXPECT_EQ(compare(report(), other).exit_code, 3);

  other = report();
  fault0(other)["detection_ms"] = nullptr;  // detected, but no time
  EXPECT_TRUE(has_finding(compare(report(), other), "detected without detection_ms"));
}

TEST(Compare, DifferentFaultListsAreExit3) {
  json::object cand = report();
  cand["faults"].as_array().push_back(fault(1, "network.partition", 900, 1500));
  Comparison c = compare(report(), cand);
  EXPECT_EQ(c.exit_code, 3) << all(c);
  EXPECT_TRUE(has_finding(c, "fault lists differ: fault[1] network.partition only in the candidate")) << all(c);

  cand = report();
  fault0(cand)["kind"] = "disk.full";
  c = compare(report(), cand);
  EXPECT_EQ(c.exit_code, 3) << all(c);
  EXPECT_TRUE(has_finding(c, "fault[0] is process.kill in the base, disk.full in the candidate")) << all(c);

  cand = report();
  cand["faults"] = json::array{};
  EXPECT_TRUE(has_finding(compare(report(), cand), "fault[0] process.kill only in the base"));
}

TEST(Compare, FaultsAreMatchedByIndexNotPosition) {
  json::object base = report();
  base["faults"].as_array().push_back(fault(1, "network.partition", 900, 1500));
  json::object cand = report();
  cand["faults"] = json::array{fault(1, "network.partition", 900, 4000), fault(0, "process.kill", 1331.719, 2000)};
  Comparison c = compare(base, cand);
  EXPECT_EQ(c.exit_code, 1) << all(c);
  EXPECT_TRUE(has_finding(c, "fault[1] network.partition recovery_ms 1500 -> 4000")) << all(c);
  EXPECT_FALSE(has_finding(c, "fault[0]")) << all(c);
}

TEST(Compare, InvalidToleranceIsExit3) {
  EXPECT_EQ(compare(report(), report(), Tolerance{std::numeric_limits<double>::quiet_NaN(), 500}).exit_code, 3);
  EXPECT_EQ(compare(report(), report(), Tolerance{20, -1}).exit_code, 3);
}

TEST(Compare, TableShowsBothRunsAndDeltas) {
  json::object cand = report();
  fault0(cand)["detection_ms"] = 1400.0;
  rec(cand)["acknowledged"] = 1590;
  cand["availability"].as_object()["success_ratio"] = 0.96;
  Comparison c = compare(report(), cand);
  EXPECT_EQ(c.exit_code, 0) << all(c);
  std::string det = table_line(c, "fault[0] process.kill detection_ms");
  EXPECT_NE(det.find("1331.719"), std::string::npos) << c.table;
  EXPECT_NE(det.find("1400"), std::string::npos) << c.table;
  EXPECT_NE(det.find("+68.281 (+5.1 %)"), std::string::npos) << c.table;
  EXPECT_NE(table_line(c, "fault[0] process.kill outage_ms").find("1992"), std::string::npos) << c.table;
  EXPECT_NE(table_line(c, "reconciliation acknowledged").find("-11"), std::string::npos) << c.table;
  std::string avail = table_line(c, "availability success_ratio");
  EXPECT_NE(avail.find("97.09 %"), std::string::npos) << c.table;
  EXPECT_NE(avail.find("96 %"), std::string::npos) << c.table;
  EXPECT_NE(avail.find("-1.09 pp"), std::string::npos) << c.table;
  for (const char* metric : {"scenario", "seed", "verdict", "reconciliation lost", "reconciliation duplicated",
                             "reconciliation failed_but_applied", "reconciliation unexpected",
                             "reconciliation corrupted", "reconciliation money_conserved"}) {
    EXPECT_NE(table_line(c, metric), "") << metric << "\n" << c.table;
  }
  // Columns line up: every line's base column starts at the same offset as the header's.
  std::size_t base_at = c.table.find("base");
  EXPECT_EQ(det.find("1331.719"), base_at) << c.table;
  EXPECT_EQ(c.table.back(), '\n');
}

TEST(Compare, Deterministic) {
  json::object cand = report();
  rec(cand)["corrupted"] = 2;
  fault0(cand)["recovery_ms"] = 5000.0;
  Comparison a = compare(report(), cand), b = compare(report(), cand);
  EXPECT_EQ(a.findings, b.findings);
  EXPECT_EQ(a.table, b.table);
}

}  // namespace
}  // namespace firedrill
