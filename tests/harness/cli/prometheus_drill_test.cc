// Detection through a real Prometheus and Alertmanager (issue [4/6]): Debian's prometheus and
// prometheus-alertmanager run as nodes of the drill with refpay's rules (or a scenario's own),
// scrape every node, and Alertmanager posts to firedrill's receiver. Needs root for the lab and
// the two programs (skips elsewhere, fails in CI, where ./setup.sh installs them).
#include <cstdio>

#include "harness/cli/run_fixture.h"
#include "testing/prerequisite.h"

namespace firedrill::testing {
namespace {

bool installed(const char* program) {
  const std::string command = std::string("command -v ") + program + " >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

#define REQUIRE_MONITORING()                                                                     \
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");                      \
  FIREDRILL_REQUIRE(installed("prometheus") && installed("prometheus-alertmanager") &&           \
                        installed("promtool") && installed("amtool"),                           \
                    "Debian's prometheus and prometheus-alertmanager (./setup.sh installs them)")

const json::object& fault0(const Drill& d) { return d.report.at("faults").as_array().at(0).as_object(); }

double number(const json::value& v) { return v.to_number<double>(); }

TEST(PrometheusDrill, AKillIsDetectedByARuleWithEachStageOfTheDetection) {
  REQUIRE_MONITORING();
  const Drill d = run_to_end(kSource / "tests/data/scenarios/prometheus_kill.toml");
  ASSERT_EQ(d.exit_code, 0) << text_of(d.dir + ".log");
  const json::object& f = fault0(d);
  EXPECT_EQ(f.at("detected_by"), "alert LedgerPrimaryDown");
  // The notification came from Alertmanager, which the drill's Prometheus told.
  bool from_alertmanager = false;
  for (const auto& r : d.timeline) {
    if (r.at("source") == "alertmanager" && r.at("kind") == "alert" && r.at("status") == "firing" &&
        r.at("alertname") == "LedgerPrimaryDown") {
      from_alertmanager = r.at("labels").as_object().contains("job");  // a scrape target's label
    }
  }
  EXPECT_TRUE(from_alertmanager);
  // The stages, in order, within the budget of refpay's [monitoring] (500 + 500 + 0 + 500 ms).
  const json::object& stages = f.at("detection_stages").as_object();
  EXPECT_EQ(stages.at("alert"), "LedgerPrimaryDown");
  EXPECT_EQ(number(stages.at("budget_ms")), 1500);
  const double symptom = number(stages.at("symptom_ms")), pending = number(stages.at("pending_ms")),
               firing = number(stages.at("firing_ms")), notified = number(stages.at("notified_ms"));
  EXPECT_LE(symptom, pending);
  EXPECT_LE(pending, firing);
  EXPECT_LE(firing, notified);
  EXPECT_NEAR(notified, number(f.at("detection_ms")), 0.01);
  // The coverage table names the rule against the fault; the run directory holds the
  // configuration, the rules and both programs' logs; node-setup.json lists the scrape.
  const json::array& rules = d.report.at("alert_coverage").at("rules").as_array();
  bool caught = false;
  for (const auto& r : rules) {
    if (r.at("alert") == "LedgerPrimaryDown") caught = !r.at("fired_for").as_array().empty();
  }
  EXPECT_TRUE(caught);
  EXPECT_NE(text_of(d.dir + "/report.md").find("Alert coverage"), std::string::npos);
  EXPECT_NE(text_of(d.dir + "/report.html").find("Detection stages"), std::string::npos);
  for (const char* file : {"monitoring/prometheus.yml", "monitoring/alertmanager.yml",
                           "monitoring/rules/refpay-rules.yml", "logs/prometheus.err", "logs/alertmanager.err"}) {
    EXPECT_TRUE(fs::exists(d.dir + "/" + file)) << file;
  }
  EXPECT_NE(text_of(d.dir + "/node-setup.json").find("\"scraped_url\":\"http://"), std::string::npos);
  if (!HasFailure()) fs::remove_all(fs::path(d.dir).parent_path());
}

TEST(PrometheusDrill, ARuleWithALongForMissesDetectWithin) {
  REQUIRE_MONITORING();
  const Drill d = run_to_end(kSource / "tests/data/scenarios/prometheus_slow_rule.toml");
  ASSERT_EQ(d.exit_code, 1) << text_of(d.dir + ".log");
  EXPECT_EQ(d.report.at("verdict"), "objectives_missed");
  const json::object& f = fault0(d);
  // Detected, late: the rule's `for` (10 s) is where the time went.
  EXPECT_EQ(f.at("detected_by"), "alert LedgerPrimaryDown");
  EXPECT_GT(number(f.at("detection_ms")), 10'000);
  const json::object& stages = f.at("detection_stages").as_object();
  EXPECT_EQ(number(stages.at("for_ms")), 10'000);
  EXPECT_GE(number(stages.at("spans_ms").at("for")), 9'000);
  EXPECT_EQ(number(stages.at("budget_ms")), 11'500);
  const std::string failures = json::serialize(d.report.at("failures"));
  EXPECT_NE(failures.find("detect"), std::string::npos) << failures;
  if (!HasFailure()) fs::remove_all(fs::path(d.dir).parent_path());
}

TEST(PrometheusDrill, TheLibrarysCoverageGapNamesTheFaultNoRuleCaught) {
  REQUIRE_MONITORING();
  const Drill d = run_to_end(kSource / "scenarios/alert-coverage-gap.toml");
  ASSERT_EQ(d.exit_code, 1) << text_of(d.dir + ".log");
  EXPECT_EQ(fault0(d).at("detected"), false);
  EXPECT_EQ(d.report.at("alert_coverage").at("uncaught"), json::array{0});
  EXPECT_NE(text_of(d.dir + "/report.md").find("Fault \\#0 process.kill gateway: no alert fired for it."),
            std::string::npos)
      << text_of(d.dir + "/report.md");
  if (!HasFailure()) fs::remove_all(fs::path(d.dir).parent_path());
}

TEST(PrometheusDrill, ARuleOnAMetricNoNodeExposesStopsTheDrillBeforeAnyFault) {
  REQUIRE_MONITORING();
  const Drill d = run_to_end(kSource / "tests/data/scenarios/prometheus_unexposed_metric.toml");
  ASSERT_EQ(d.exit_code, 3) << text_of(d.dir + ".log");
  const std::string failures = json::serialize(d.report.at("failures"));
  EXPECT_NE(failures.find("rule LedgerDiskAlmostFull (") , std::string::npos) << failures;
  EXPECT_NE(failures.find("unexposed-rules.yml) reads metric refpay_ledger_disk_fill_ratio, which no node exposes"),
            std::string::npos)
      << failures;
  EXPECT_FALSE(has(d.timeline, "applied"));
  if (!HasFailure()) fs::remove_all(fs::path(d.dir).parent_path());
}

TEST(PrometheusDrill, AMalformedRuleFileFailsValidationNamingFileAndRule) {
  REQUIRE_MONITORING();
  const std::string command =
      firedrill_path() + " validate " + (kSource / "tests/data/scenarios/prometheus_bad_rules.toml").string() + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int status = pclose(pipe);
  EXPECT_EQ(WEXITSTATUS(status), 65) << output;
  // file:line:column, the key, and promtool's own naming of the group and the rule.
  EXPECT_NE(output.find("tests/data/monitoring/bad-rules.yml:9:"), std::string::npos) << output;
  EXPECT_NE(output.find("monitoring.rules"), std::string::npos) << output;
  EXPECT_NE(output.find("\"LedgerHalfDown\""), std::string::npos) << output;
}

}  // namespace
}  // namespace firedrill::testing
