// The main job of README.md (issue [7/8], "what it must show" 1): `firedrill run` with no
// scenario runs the default game day on refpay (scenarios/gameday.toml: primary kill, clock skew,
// disk full, isolation) and ends with the game day's verdict, its headline numbers and the path
// of report.html; each fault detected through refpay's Prometheus rules (issue [4/6]). Needs root (skips elsewhere, fails in CI).
#include <regex>

#include "harness/cli/run_fixture.h"
#include "testing/prerequisite.h"

namespace firedrill::testing {
namespace {

TEST(GameDay, RunWithNoScenarioEndsWithTheVerdictAndTheReportPath) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");
  const std::string dir = make_temp_dir();
  const std::string out = dir + "/run";
  const int code = wait_exit(start_run("", out), milliseconds(300'000));
  const std::string printed = text_of(out + ".log");

  EXPECT_NE(printed.find("no scenario given: running the default game day"), std::string::npos) << printed;
  EXPECT_NE(printed.find("drill gameday"), std::string::npos) << printed;
  // What gameday.toml's description promises.
  EXPECT_EQ(code, 0) << printed;
  EXPECT_NE(printed.find("verdict: pass (exit 0)"), std::string::npos) << printed;
  // The headline numbers: one line per fault, then the payments.
  for (const char* fault : {"process.kill", "clock.skew", "disk.full", "network.isolate"}) {
    EXPECT_TRUE(std::regex_search(printed, std::regex(std::string("fault\\[[0-9]\\] ") + fault + " on [a-z0-9-]+: detection")))
        << fault << "\n" << printed;
  }
  EXPECT_NE(printed.find(" lost, "), std::string::npos) << printed;
  // And last, the report to open.
  const std::string report_line = "report: " + out + "/report.html";
  EXPECT_NE(printed.find(report_line), std::string::npos) << printed;
  EXPECT_TRUE(fs::exists(out + "/report.html"));
  EXPECT_NE(text_of(out + "/report.html").find("<svg"), std::string::npos);
  // Detected through refpay's Prometheus rules: each fault names the rule that fired and where
  // its detection time went, and the coverage table is in both reports.
  const json::object report = json::parse(text_of(out + "/report.json")).as_object();
  for (const json::value& f : report.at("faults").as_array()) {
    const json::value& stages = f.at("detection_stages");
    ASSERT_TRUE(stages.is_object()) << json::serialize(f);
    EXPECT_FALSE(stages.at("alert").as_string().empty());
    EXPECT_TRUE(stages.at("pending_ms").is_number()) << json::serialize(stages);
    EXPECT_TRUE(stages.at("notified_ms").is_number()) << json::serialize(stages);
  }
  EXPECT_TRUE(report.at("alert_coverage").at("uncaught").as_array().empty());
  EXPECT_NE(text_of(out + "/report.md").find("#### Alert coverage"), std::string::npos);
  EXPECT_NE(text_of(out + "/report.html").find("<h3>Alert coverage</h3>"), std::string::npos);
  if (!HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace firedrill::testing
