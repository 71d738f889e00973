// The scenario loader and the planner (stages ① and ②, pure): valid files load with their
// defaults; every malformed fixture gives its exact file:line:column message; the same scenario
// and seed give the same plan.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>
#include <fstream>
#include <sstream>

#include "fault/fault_kinds.h"
#include "plan/plan.h"
#include "scenario/scenario.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = FIREDRILL_SOURCE_DIR;

Scenario load_ok(const fs::path& path) {
  auto loaded = load_scenario(path.string(), builtin_fault_kinds().catalog());
  if (auto* errors = std::get_if<Diagnostics>(&loaded)) {
    ADD_FAILURE() << path << ":\n" << errors->text();
    return {};
  }
  return std::get<Scenario>(std::move(loaded));
}

TEST(Duration, ParsesUnitsAndRefusesBareNumbers) {
  EXPECT_EQ(*parse_duration("500ms"), Milliseconds(500));
  EXPECT_EQ(*parse_duration("1.5s"), Milliseconds(1500));
  EXPECT_EQ(*parse_duration("2m"), Milliseconds(120'000));
  EXPECT_EQ(*parse_duration("1h"), Milliseconds(3'600'000));
  EXPECT_EQ(*parse_duration("1.005s"), Milliseconds(1005)) << "decimals are exact, not floating point";
  EXPECT_EQ(*parse_duration("4.1m"), Milliseconds(246'000));
  EXPECT_EQ(*parse_duration("30d"), Milliseconds(30LL * 86'400'000)) << "days, for objectives.mtbf";
  for (const char* bad : {"30", "s", "1.2.3s", "-5s", "5 s", "1.0005s", "5w", ""}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
  EXPECT_EQ(format_duration(Milliseconds(1500)), "1500ms");
  EXPECT_EQ(format_duration(Milliseconds(30'000)), "30s");
  EXPECT_EQ(format_duration(Milliseconds(120'000)), "2m");
  EXPECT_EQ(*parse_size_bytes("64MiB"), 64 << 20);
  EXPECT_FALSE(parse_size_bytes("64MB"));
}

TEST(Scenario, TheBundledPrimaryKillScenarioLoadsWithItsSystem) {
  Scenario s = load_ok(kSource / "scenarios/ledger-primary-kill.toml");
  EXPECT_EQ(s.drill.name, "ledger-primary-kill");
  EXPECT_EQ(s.drill.duration, Milliseconds(30'000));
  EXPECT_EQ(s.system.name, "refpay");
  ASSERT_EQ(s.system.nodes.size(), 5u);
  EXPECT_EQ(s.system.nodes[2].name, "ledger-3");
  EXPECT_EQ(s.system.nodes[0].volume_bytes, 64 << 20);
  EXPECT_TRUE(s.system.find_dynamic_role("ledger-primary"));
  EXPECT_EQ(std::get<std::string>(s.system_parameters.at("replication")), "sync");
  ASSERT_EQ(s.faults.size(), 1u);
  EXPECT_EQ(s.faults[0].target, "role:ledger-primary");
  EXPECT_EQ(std::get<Milliseconds>(s.faults[0].parameters.at("restart_after")), Milliseconds(5000));
  EXPECT_EQ(s.workload.rate_per_s, 300);
  EXPECT_EQ(s.workload.retries, 2) << "defaults filled";
  EXPECT_EQ(s.objectives.recover_within, Milliseconds(15'000));
}

// Every scenario of the library (scenarios/, scenarios/ci/) in sorted order.
std::vector<fs::path> bundled_scenarios() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(kSource / "scenarios")) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Each says what it demonstrates and the verdict to expect on refpay (scenarios/README.md).
TEST(Scenario, EveryBundledScenarioLoadsAndStatesItsExpectedVerdict) {
  for (const fs::path& file : bundled_scenarios()) {
    Scenario s = load_ok(file);
    EXPECT_FALSE(s.drill.description.empty()) << file << ": say what it demonstrates";
    EXPECT_FALSE(expected_verdict(s.drill.description).empty())
        << file << ": the description must state \"Expected verdict: X.\"";
  }
  EXPECT_GE(bundled_scenarios().size(), 10u);
}

TEST(Scenario, ExpectedVerdictIsTheFirstStatedOne) {
  EXPECT_EQ(expected_verdict("Kill it. Expected verdict: pass."), "pass");
  EXPECT_EQ(expected_verdict("Expected verdict: inconclusive without netem; with it: Expected verdict: pass."),
            "inconclusive");
  EXPECT_EQ(expected_verdict("Expected verdict: safety_failure (duplicated payments)."), "safety_failure");
  EXPECT_EQ(expected_verdict("expect a pass"), "");
  EXPECT_EQ(expected_verdict("Expected verdict: passing"), "");
}

// `firedrill validate` itself, as a user or a CI job runs it, on every file at once: exit 0 and
// an "ok" line naming each file.
TEST(Scenario, EveryBundledScenarioPassesFiredrillValidate) {
  std::string command = (fs::read_symlink("/proc/self/exe").parent_path() / "firedrill").string() + " validate";
  for (const fs::path& file : bundled_scenarios()) command += " '" + file.string() + "'";
  command += " 2>&1";
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
  for (const fs::path& file : bundled_scenarios()) {
    EXPECT_NE(output.find(file.string() + ": ok ("), std::string::npos) << "not reported on: " << file << "\n" << output;
  }
}

// A partition names its nodes itself; its target, shown as "KIND on TARGET" in the plan, the
// timeline and the reports, says which.
TEST(Scenario, APartitionIsDescribedByItsNodeGroups) {
  Scenario both_ways = load_ok(kSource / "scenarios/primary-partitioned.toml");
  ASSERT_EQ(both_ways.faults.size(), 1u);
  EXPECT_EQ(both_ways.faults[0].target, "role:ledger-primary | ledger-2,ledger-3,arbiter,gateway,client");
  Scenario one_way = load_ok(kSource / "scenarios/client-partition.toml");
  ASSERT_EQ(one_way.faults.size(), 1u);
  EXPECT_EQ(one_way.faults[0].target, "client -> gateway");
}

TEST(Scenario, SystemParametersOverrideTheDefinitionsDefaults) {
  fs::path dir = fs::temp_directory_path() / ("fd-scenario-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "async.toml") << "[drill]\nname = \"a\"\nduration = \"10s\"\n[system]\ndefinition = \""
                                    << (kSource / "sample-system/refpay.toml").string()
                                    << "\"\nreplication = \"async\"\nsync_replicas = 2\n";
  Scenario s = load_ok(dir / "async.toml");
  EXPECT_EQ(std::get<std::string>(s.system_parameters.at("replication")), "async");
  EXPECT_EQ(std::get<int64_t>(s.system_parameters.at("sync_replicas")), 2);
  EXPECT_EQ(std::get<int64_t>(s.system_parameters.at("failure_timeout_ms")), 1000);
  fs::remove_all(dir);
}

// Each fixture's first line is "# expect: LINE:COLUMN: KEY: MESSAGE"; the loader must report
// exactly that position and a message starting with that text.
TEST(Scenario, EveryMalformedFixtureGivesItsExactPositionAndKey) {
  int fixtures = 0;
  for (const auto& entry : fs::directory_iterator(kSource / "tests/data/scenarios_invalid")) {
    std::ifstream in(entry.path());
    std::string first;
    std::getline(in, first);
    ASSERT_EQ(first.rfind("# expect: ", 0), 0u) << entry.path();
    std::string expected = entry.path().string() + ":" + first.substr(10);
    auto loaded = load_scenario(entry.path().string(), builtin_fault_kinds().catalog());
    ASSERT_TRUE(std::holds_alternative<Diagnostics>(loaded)) << entry.path() << " was accepted";
    std::string text = std::get<Diagnostics>(loaded).text();
    EXPECT_NE(text.find(expected), std::string::npos)
        << "fixture " << entry.path().filename() << "\nexpected: " << expected << "\ngot:\n" << text;
    ++fixtures;
  }
  EXPECT_GE(fixtures, 20);
}

TEST(Scenario, AllErrorsOfAFileAreReportedInFileOrder) {
  fs::path dir = fs::temp_directory_path() / ("fd-scenario-many-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "many.toml") << "[drill]\nname = \"x\"\nduration = \"1\"\ncolour = 1\n";
  auto loaded = load_scenario((dir / "many.toml").string(), builtin_fault_kinds().catalog());
  ASSERT_TRUE(std::holds_alternative<Diagnostics>(loaded));
  const auto& list = std::get<Diagnostics>(loaded).list();
  ASSERT_EQ(list.size(), 3u) << std::get<Diagnostics>(loaded).text();
  EXPECT_EQ(list[0].key, "system") << "a missing table is reported at the top of the file";
  EXPECT_EQ(list[1].key, "drill.duration");
  EXPECT_EQ(list[2].key, "drill.colour");
  fs::remove_all(dir);
}

TEST(Plan, SameScenarioAndSeedGiveTheSamePlanAndAnotherSeedAnotherWorkload) {
  Scenario s = load_ok(kSource / "scenarios/ledger-primary-kill.toml");
  Plan a = make_plan(s, 42);
  Plan b = make_plan(s, 42);
  Plan c = make_plan(s, 43);
  EXPECT_EQ(a.text(), b.text());
  EXPECT_EQ(a.workload_seed, b.workload_seed);
  EXPECT_NE(a.workload_seed, c.workload_seed);
  EXPECT_EQ(a.scenario_digest.size(), 64u);
}

TEST(Plan, EveryApplyHasALaterRevertInsideTheFaultPhase) {
  Scenario s = load_ok(kSource / "scenarios/ledger-primary-kill.toml");
  Plan plan = make_plan(s, s.drill.seed);
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(plan.steps[0].action, PlannedStep::Action::apply);
  EXPECT_EQ(plan.steps[0].at, Milliseconds(10'000));
  EXPECT_EQ(plan.steps[1].action, PlannedStep::Action::revert);
  EXPECT_EQ(plan.steps[1].at, Milliseconds(15'000));
  EXPECT_EQ(plan.steps[1].detail, "restart");
  EXPECT_NE(plan.text().find("+10s\tapply   fault[0] process.kill role:ledger-primary  "
                             "restart_after=5s signal=SIGKILL"),
            std::string::npos)
      << plan.text();
}

// The nodes a clock fault can land on (only these get the clock shim): a node target, every
// node of a static role, every node that can hold a dynamic role (refpay's ledger-primary:
// held_by = ["role:ledger"]); none without a clock fault.
TEST(Plan, TheClockShimGoesOnlyWhereAClockFaultCanLand) {
  Scenario s = load_ok(kSource / "scenarios/ledger-primary-kill.toml");
  EXPECT_TRUE(make_plan(s, 1).clock_shim_nodes.empty()) << "a kill drill preloads nothing";
  EXPECT_NE(make_plan(s, 1).text().find("clock shim   none"), std::string::npos);
  auto with_clock_fault_on = [&](const std::string& target) {
    Scenario copy = s;
    FaultSpec skew;
    skew.kind = "clock.skew";
    skew.reaches_clock = true;
    skew.target = target;
    skew.at = Milliseconds(1'000);
    skew.parameters["offset"] = Milliseconds(600'000);
    copy.faults.push_back(skew);
    return make_plan(copy, 1).clock_shim_nodes;
  };
  using Nodes = std::vector<std::string>;
  EXPECT_EQ(with_clock_fault_on("role:ledger-primary"), (Nodes{"ledger-1", "ledger-2", "ledger-3"}));
  EXPECT_EQ(with_clock_fault_on("node:gateway"), (Nodes{"gateway"}));
  EXPECT_EQ(with_clock_fault_on("arbiter"), (Nodes{"arbiter"}));
  EXPECT_EQ(with_clock_fault_on("role:ledger"), (Nodes{"ledger-1", "ledger-2", "ledger-3"}));
}

// A temporary system definition with `role` as its [role.primary] table's extra lines.
std::variant<SystemDefinition, Diagnostics> definition_with_role(const std::string& role) {
  const fs::path path = fs::temp_directory_path() / ("held-by-" + std::to_string(getpid()) + ".toml");
  std::ofstream(path) << "[system]\nname = \"two\"\n"
                         "[[node]]\nname = \"db-{i}\"\ncount = 2\nroles = [\"db\"]\ncommand = [\"/bin/true\"]\n"
                         "health_url = \"http://{address}:1/\"\n"
                         "[[node]]\nname = \"proxy\"\ncommand = [\"/bin/true\"]\n"
                         "[role.primary]\nurl = \"http://{node.proxy.address}:1/\"\npointer = \"/p\"\n"
                      << role << "\n[payments]\nbase_url = \"http://{node.proxy.address}:1\"\n";
  auto loaded = load_system_definition(path.string());
  fs::remove(path);
  return loaded;
}

TEST(SystemDefinition, HeldByNamesTheNodesThatCanHoldADynamicRole) {
  auto all = definition_with_role("");
  ASSERT_TRUE(std::holds_alternative<SystemDefinition>(all)) << std::get<Diagnostics>(all).text();
  EXPECT_EQ(std::get<SystemDefinition>(all).dynamic_roles[0].held_by,
            (std::vector<std::string>{"db-1", "db-2", "proxy"}))
      << "without held_by every node can hold it";
  auto dbs = definition_with_role("held_by = [\"role:db\"]");
  ASSERT_TRUE(std::holds_alternative<SystemDefinition>(dbs)) << std::get<Diagnostics>(dbs).text();
  EXPECT_EQ(std::get<SystemDefinition>(dbs).dynamic_roles[0].held_by, (std::vector<std::string>{"db-1", "db-2"}));
  auto bad = definition_with_role("held_by = [\"db-3\"]");
  ASSERT_TRUE(std::holds_alternative<Diagnostics>(bad));
  const std::string text = std::get<Diagnostics>(bad).text();
  EXPECT_NE(text.find(":15:11: role.primary.held_by: no node is named \"db-3\""), std::string::npos) << text;
  auto no_role = definition_with_role("held_by = [\"role:cache\"]");
  ASSERT_TRUE(std::holds_alternative<Diagnostics>(no_role));
  EXPECT_NE(std::get<Diagnostics>(no_role).text().find("role.primary.held_by: no node has static role \"cache\""),
            std::string::npos)
      << std::get<Diagnostics>(no_role).text();
}

}  // namespace
}  // namespace firedrill
