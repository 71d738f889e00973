// The CI scenario set (scenarios/ci/) through `firedrill suite --expect-stated`, as a pipeline
// would run it: the whole set is planned well within 3 minutes, every scenario ends with the
// verdict its description promises ("Expected verdict: X."), the combined JUnit file holds one
// test suite per drill, the summary names the worst verdict, and the suite exits 0. Needs root
// (skips elsewhere, fails in CI).
#include <algorithm>
#include <cstdlib>
#include <regex>

#include "harness/cli/run_fixture.h"
#include "testing/prerequisite.h"

namespace firedrill::testing {
namespace {

// One `firedrill suite scenarios/ci` run, shared by every test below and made by the first that
// asks; its directory is removed when the binary ends.
struct SuiteRun {
  std::string out;
  int exit_code = -1;
  double seconds = 0;
};

const SuiteRun& suite_run() {
  // Never destroyed: the atexit handler below reads it at exit, after static destructors of
  // objects constructed before the handler was registered would have run.
  static const SuiteRun& run = *new SuiteRun([] {
    SuiteRun r;
    r.out = make_temp_dir() + "/suite";
    auto started = Clock::now();
    pid_t pid = fork();
    if (pid == 0) {
      int fd = open((r.out + ".log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::string exe = firedrill_path();
      std::string dir = (kSource / "scenarios/ci").string();
      execl(exe.c_str(), exe.c_str(), "suite", dir.c_str(), "--out", r.out.c_str(), "--expect-stated", nullptr);
      _exit(127);
    }
    r.exit_code = wait_exit(pid, milliseconds(600'000));
    r.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    std::atexit([] { fs::remove_all(fs::path(suite_run().out).parent_path()); });
    return r;
  }());
  return run;
}

// The scenario files of the CI set, by name (file stem), sorted.
std::vector<std::string> ci_scenarios() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kSource / "scenarios/ci")) {
    if (entry.path().extension() == ".toml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The verdict a scenario's description promises ("Expected verdict: X."); empty when none.
std::string expected_verdict(const std::string& name) {
  static const std::regex kExpected(R"(Expected verdict: ([a-z_]+)\.)");
  std::smatch m;
  std::string text = text_of(kSource / "scenarios/ci" / (name + ".toml"));
  return std::regex_search(text, m, kExpected) ? m[1].str() : "";
}

json::object report_of(const std::string& name) {
  std::string text = text_of(suite_run().out + "/" + name + "/report.json");
  json::error_code ec;
  json::value v = json::parse(text, ec);
  return !ec && v.is_object() ? v.as_object() : json::object{};
}

// One test per scenario of the set: it ends with the verdict its description promises.
class CiScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(CiScenario, EndsWithTheVerdictItsDescriptionPromises) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");
  const std::string name = GetParam();
  const std::string expected = expected_verdict(name);
  ASSERT_FALSE(expected.empty()) << name << " must state its expected verdict";
  json::object report = report_of(name);
  ASSERT_TRUE(report.contains("verdict")) << name << ": no report\n" << text_of(suite_run().out + ".log");
  EXPECT_EQ(report.at("verdict"), json::value(expected))
      << name << "\n" << text_of(suite_run().out + "/" + name + "/report.md");
}

INSTANTIATE_TEST_SUITE_P(Set, CiScenario, ::testing::ValuesIn(ci_scenarios()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string id = param.param;
                           std::replace(id.begin(), id.end(), '-', '_');
                           return id;
                         });

// As a merge gate reads it: the suite names the worst verdict of its drills, and with
// --expect-stated exits 0 because every drill, the safety failures it demonstrates included,
// ended as its description states.
TEST(CiSuite, NamesTheWorstVerdictAndExitsZeroWhenEveryVerdictIsAsStated) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");
  auto severity = [](int c) { return c == 0 ? 0 : c == 1 ? 1 : c == 2 ? 2 : c == 4 ? 3 : 4; };
  int worst = 0;
  for (const std::string& name : ci_scenarios()) {
    json::object report = report_of(name);
    ASSERT_TRUE(report.contains("exit_code")) << name;
    int code = static_cast<int>(report.at("exit_code").as_int64());
    if (severity(code) > severity(worst)) worst = code;
  }
  EXPECT_GE(ci_scenarios().size(), 4u);
  const std::string log = text_of(suite_run().out + ".log");
  EXPECT_NE(log.find("worst exit " + std::to_string(worst) + ", 0 not as their description states"), std::string::npos) << log;
  EXPECT_EQ(suite_run().exit_code, 0) << log;
}

// The set fits a merge gate: its planned phases (baseline + faults + convergence, from each
// drill's run.json) add up to under 3 minutes. The wall time is printed, not asserted (speed is
// the benchmarks' business; a loaded CI machine stretches it).
TEST(CiSuite, TheSetIsPlannedUnderThreeMinutesWithOneCombinedJunitFile) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");
  int scenarios = 0;
  int64_t planned_ms = 0;
  for (const auto& entry : fs::directory_iterator(kSource / "scenarios/ci")) {
    if (entry.path().extension() != ".toml") continue;
    ++scenarios;
    std::string run = text_of(suite_run().out + "/" + entry.path().stem().string() + "/run.json");
    ASSERT_FALSE(run.empty()) << entry.path() << ": no run.json";
    const json::value parsed = json::parse(run);
    const json::object& phases = parsed.at("phases").as_object();
    for (const char* phase : {"baseline_ms", "fault_phase_ms", "convergence_ms"}) planned_ms += phases.at(phase).as_int64();
  }
  std::printf("CI set: %d drills, %.1f s planned, %.1f s wall\n", scenarios, planned_ms / 1000.0, suite_run().seconds);
  EXPECT_LT(planned_ms, 180'000);
  std::string junit = text_of(suite_run().out + "/junit.xml");
  int suites = 0;
  for (std::size_t at = 0; (at = junit.find("<testsuite ", at)) != std::string::npos; ++at) ++suites;
  EXPECT_EQ(suites, scenarios) << "one test suite per drill\n" << junit.substr(0, 400);
  EXPECT_NE(text_of(suite_run().out + "/summary.txt").find("primary-kill-sync"), std::string::npos);
}

}  // namespace
}  // namespace firedrill::testing
