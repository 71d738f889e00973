// firedrill drives a team's own payment service through the same contract as refpay (issue [7/8],
// "Your own service"): minipay (tests/data/minipay/), one Python process with its own API shape
// and no alerts. A kill of its only process, restarted 2 s later, is detected by its recovery log
// line and passes; the same drill with minipay's seeded --lose-every bug is a safety failure whose
// lost_ids equal the set this test computes from the raw timeline and export, and are transfers
// minipay itself logged as dropped. The lab adds no preload to minipay in these drills; with two
// minipays (minipay-pair), a clock fault on one leaves the other untouched and reaches the one it
// targets only when that one's process loads the clock shim (else refused, inconclusive). Needs
// root and /usr/bin/python3 (skips elsewhere, fails in CI).
#include <regex>
#include <set>

#include "harness/cli/run_fixture.h"
#include "testing/prerequisite.h"

namespace firedrill::testing {
namespace {

const fs::path kMinipay = kSource / "tests/data/minipay";

// A definition cannot name a file of the source tree (no placeholder for it), so the test renders
// minipay.toml.in with the script's absolute path into a temporary directory and puts the
// scenarios beside it, where their `definition = "minipay.toml"` finds it.
std::string render_minipay() {
  std::string dir = make_temp_dir();
  for (const char* name : {"minipay", "minipay-pair"}) {
    std::string definition = text_of(kMinipay / (std::string(name) + ".toml.in"));
    const std::string token = "@MINIPAY_PY@", script = (kMinipay / "minipay.py").string();
    EXPECT_NE(definition.find(token), std::string::npos);
    for (std::size_t at; (at = definition.find(token)) != std::string::npos;) definition.replace(at, token.size(), script);
    std::ofstream(dir + "/" + name + ".toml") << definition;
  }
  for (const char* scenario : {"minipay-kill.toml", "minipay-kill-lose-every.toml", "minipay-clock-other-node.toml",
                               "minipay-clock-refused.toml"}) {
    fs::copy_file(kMinipay / scenario, fs::path(dir) / scenario);
  }
  return dir;
}

// `firedrill ARGS...` with its output to LOG; its exit code.
int firedrill(const std::vector<std::string>& args, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    dup2(fd, 1);
    dup2(fd, 2);
    std::string exe = firedrill_path();
    std::vector<char*> argv{exe.data()};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  return wait_exit(pid, milliseconds(30'000));
}

// Every test renders minipay into a fresh directory (needs python3 to be of use); the directory
// goes once the test passes, and stays for a look when it fails.
class OwnService : public ::testing::Test {
 protected:
  void SetUp() override {
    FIREDRILL_REQUIRE(fs::exists("/usr/bin/python3"), "/usr/bin/python3, to run minipay (Debian's python3)");
    lab_ = render_minipay();
  }
  void TearDown() override {
    if (!lab_.empty() && !HasFailure()) fs::remove_all(lab_);
  }
  // Runs the rendered `scenario` to its end, into `run_name` beside it.
  Drill drill(const std::string& scenario, const std::string& run_name) const {
    return run_to_end(lab_ + "/" + scenario, lab_ + "/" + run_name);
  }

  std::string lab_;
};

#define REQUIRE_LAB() FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces")

// What the lab added to `node`, from node-setup.json of the run directory.
json::object node_setup(const std::string& run_dir, const std::string& node) {
  const json::value setup = json::parse(text_of(run_dir + "/node-setup.json"));
  for (const auto& n : setup.at("nodes").as_array()) {
    if (n.at("node").as_string() == node) return n.as_object();
  }
  ADD_FAILURE() << "node-setup.json has no node " << node;
  return {};
}

TEST_F(OwnService, DefinitionAndScenariosValidateAndPlan) {
  const std::string& dir = lab_;
  EXPECT_EQ(firedrill({"validate", dir + "/minipay-kill.toml", dir + "/minipay-kill-lose-every.toml"}, dir + "/validate.log"), 0)
      << text_of(dir + "/validate.log");
  EXPECT_EQ(firedrill({"plan", dir + "/minipay-kill-lose-every.toml"}, dir + "/plan.log"), 0) << text_of(dir + "/plan.log");
  std::string plan = text_of(dir + "/plan.log");
  EXPECT_NE(plan.find("apply   fault[0] process.kill node:minipay  restart_after=2s"), std::string::npos) << plan;
  EXPECT_NE(plan.find("revert  fault[0] process.kill node:minipay  restart"), std::string::npos) << plan;
  EXPECT_NE(plan.find("clock shim   none (no clock fault: every node runs unchanged)"), std::string::npos) << plan;
  EXPECT_EQ(firedrill({"validate", dir + "/minipay-clock-other-node.toml", dir + "/minipay-clock-refused.toml"},
                      dir + "/validate-pair.log"), 0)
      << text_of(dir + "/validate-pair.log");
  EXPECT_EQ(firedrill({"plan", dir + "/minipay-clock-other-node.toml"}, dir + "/plan-pair.log"), 0);
  EXPECT_NE(text_of(dir + "/plan-pair.log").find("clock shim   minipay-standby\n"), std::string::npos)
      << text_of(dir + "/plan-pair.log");
}

TEST_F(OwnService, KillOfTheOnlyProcessIsDetectedByItsRecoveryLogLineAndPasses) {
  REQUIRE_LAB();
  Drill d = drill("minipay-kill.toml", "run-minipay-kill.toml");
  ASSERT_EQ(d.exit_code, 0) << text_of(d.dir + ".log");
  EXPECT_EQ(d.report.at("verdict"), "pass");
  ASSERT_EQ(d.report.at("faults").as_array().size(), 1u);
  const auto& fault = d.report.at("faults").at(0).as_object();
  EXPECT_EQ(fault.at("node"), "minipay");
  EXPECT_TRUE(fault.at("detected").as_bool());
  EXPECT_EQ(std::string(fault.at("detected_by").as_string()).rfind("log", 0), 0u) << fault.at("detected_by");
  EXPECT_TRUE(fault.at("recovered").as_bool());
  // The harness noticed too, by its own probes, before minipay's restart logged anything.
  EXPECT_FALSE(fault.at("harness_detection_ms").is_null());
  const auto& reconciliation = d.report.at("reconciliation").as_object();
  EXPECT_GT(reconciliation.at("acknowledged").as_int64(), 0);
  EXPECT_EQ(reconciliation.at("lost").as_int64(), 0);
  EXPECT_EQ(reconciliation.at("duplicated").as_int64(), 0);
  EXPECT_TRUE(reconciliation.at("money_conserved").as_bool());
  EXPECT_TRUE(reconciliation.at("balances_match_replay").as_bool());

  // Through minipay's own API: its export and balances were read, its log was matched.
  EXPECT_FALSE(text_of(d.dir + "/exports/minipay.ndjson").empty());
  EXPECT_NE(text_of(d.dir + "/exports/minipay.balances.json").find("\"user-1\""), std::string::npos);
  auto records = read_timeline(d.dir);
  EXPECT_TRUE(has(records, "log_match", [](const json::object& r) {
    return r.at("node") == "minipay" && r.at("pattern") == "minipay starting recovery";
  }));
  EXPECT_TRUE(has(records, "invoke", [](const json::object& r) {
    return std::string(r.at("from").as_string()).rfind("user-", 0) == 0;
  }));

  // No clock fault can reach minipay in this drill: it runs with no preload at all (only PATH and
  // HOME added), and its heartbeat thread (time.sleep, Event and Condition timeouts) kept it
  // healthy. The plan, node-setup.json and the auditor's scope section all say so.
  const json::object setup = node_setup(d.dir, "minipay");
  EXPECT_FALSE(setup.at("clock_shim").as_bool());
  EXPECT_EQ(setup.at("environment_added").as_object().size(), 2u) << json::serialize(setup) << ": PATH and HOME only";
  EXPECT_FALSE(setup.at("environment_added").as_object().contains("LD_PRELOAD"));
  EXPECT_EQ(text_of(d.dir + "/logs/minipay.err").find("heartbeat thread died"), std::string::npos);
  EXPECT_NE(text_of(d.dir + "/plan.txt").find("clock shim   none"), std::string::npos) << text_of(d.dir + "/plan.txt");
  const auto& topology = d.report.at("scope").at("topology").at("nodes").as_array();
  ASSERT_EQ(topology.size(), 1u);
  EXPECT_FALSE(topology[0].at("clock_shim").as_bool());
}

TEST_F(OwnService, SeededLossIsASafetyFailureListingExactlyTheDroppedPayments) {
  REQUIRE_LAB();
  Drill d = drill("minipay-kill-lose-every.toml", "run-minipay-kill-lose-every.toml");
  ASSERT_EQ(d.exit_code, 2) << text_of(d.dir + ".log");
  EXPECT_EQ(d.report.at("verdict"), "safety_failure");
  EXPECT_TRUE(d.report.at("failures").at("inconclusive").as_array().empty());

  // Independently: keys acknowledged in the timeline, minus the refs in minipay's export.
  std::set<std::string> acknowledged;
  for (const auto& r : read_timeline(d.dir)) {
    if (r.at("source") == "workload" && r.at("kind") == "ok") acknowledged.insert(std::string(r.at("key").as_string()));
  }
  std::set<std::string> present;
  std::istringstream in(text_of(d.dir + "/exports/minipay.ndjson"));
  for (std::string line; std::getline(in, line);) present.insert(std::string(json::parse(line).at("ref").as_string()));
  std::set<std::string> lost;
  for (const auto& key : acknowledged) {
    if (!present.count(key)) lost.insert(key);
  }
  ASSERT_FALSE(lost.empty());
  const auto& reconciliation = d.report.at("reconciliation").as_object();
  EXPECT_EQ(reconciliation.at("lost").as_int64(), static_cast<int64_t>(lost.size()));
  EXPECT_EQ(string_set(reconciliation.at("lost_ids")), lost);

  // Each of them is a transfer minipay acknowledged and dropped on purpose, and nothing else went
  // wrong: the dropped transfers never moved money, so the books still balance.
  std::set<std::string> dropped;
  std::string err = text_of(d.dir + "/logs/minipay.err");
  std::regex line("lose-every: dropped (\\S+)");
  for (auto it = std::sregex_iterator(err.begin(), err.end(), line); it != std::sregex_iterator(); ++it) {
    dropped.insert((*it)[1].str());
  }
  for (const auto& key : lost) EXPECT_TRUE(dropped.count(key)) << key << " lost but not dropped by minipay";
  EXPECT_EQ(reconciliation.at("duplicated").as_int64(), 0);
  EXPECT_TRUE(reconciliation.at("money_conserved").as_bool());
  EXPECT_TRUE(reconciliation.at("balances_match_replay").as_bool());
  const auto& fault = d.report.at("faults").at(0).as_object();
  EXPECT_EQ(std::string(fault.at("detected_by").as_string()).rfind("log", 0), 0u) << fault.at("detected_by");
}

// A clock fault on the standby: only the standby loads the shim; its own process reads the skew
// (the apply's evidence), both Python services keep their heartbeat, and the drill passes.
TEST_F(OwnService, ClockFaultOnAnotherNodeLeavesAPythonServiceUnharmed) {
  REQUIRE_LAB();
  Drill d = drill("minipay-clock-other-node.toml", "run-minipay-clock-other-node");
  ASSERT_EQ(d.exit_code, 0) << text_of(d.dir + ".log");
  EXPECT_EQ(d.report.at("verdict"), "pass");
  EXPECT_FALSE(node_setup(d.dir, "minipay").at("clock_shim").as_bool());
  const json::object standby = node_setup(d.dir, "minipay-standby");
  EXPECT_TRUE(standby.at("clock_shim").as_bool());
  EXPECT_TRUE(standby.at("environment_added").as_object().contains("LD_PRELOAD"));
  const json::object *applied = nullptr, *reverted = nullptr;
  for (const auto& r : d.timeline) {
    if (r.at("source") == "fault" && r.at("kind") == "applied") applied = &r;
    if (r.at("source") == "fault" && r.at("kind") == "reverted") reverted = &r;
  }
  ASSERT_NE(applied, nullptr);
  ASSERT_NE(reverted, nullptr);
  EXPECT_NEAR(applied->at("evidence").at("observed_offset_ms").as_int64(), 600'000, 500);
  // The standby's own Python process read the skewed clock while it was set (each health probe's
  // answer carries a Date header from time.time()), as the shim acknowledged in the page.
  const auto& read = reverted->at("evidence").at("node_read_while_skewed");
  ASSERT_TRUE(read.is_object()) << json::serialize(reverted->at("evidence"));
  EXPECT_NEAR(read.at("observed_offset_ms").as_int64(), 600'000, 500);
  for (const char* node : {"minipay", "minipay-standby"}) {
    EXPECT_EQ(text_of(d.dir + "/logs/" + node + ".err").find("heartbeat thread died"), std::string::npos) << node;
  }
  // minipay answers 503 only when its heartbeat is late (a probe that timed out on a loaded
  // machine has no status and says nothing about the heartbeat).
  for (const auto& r : d.timeline) {
    if (r.at("source") == "probe" && r.at("kind") == "health") {
      EXPECT_NE(r.at("status").as_int64(), 503) << json::serialize(r);
    }
  }
}

// The standby's wrapper clears LD_PRELOAD: the fault is refused as not in effect, with the
// process named, and the drill is inconclusive, never "skewed".
TEST_F(OwnService, ClockFaultOnANodeThatDoesNotLoadTheShimIsRefused) {
  REQUIRE_LAB();
  Drill d = drill("minipay-clock-refused.toml", "run-minipay-clock-refused");
  ASSERT_EQ(d.exit_code, 3) << text_of(d.dir + ".log");
  EXPECT_EQ(d.report.at("verdict"), "inconclusive");
  bool refused = false;
  for (const auto& r : d.timeline) {
    EXPECT_FALSE(r.at("source") == "fault" && r.at("kind") == "applied") << "reported as skewed: " << json::serialize(r);
    if (r.at("source") == "fault" && r.at("kind") == "apply_failed") {
      const std::string error(r.at("error").as_string());
      refused = error.find("minipay-standby: its process (pid ") != std::string::npos &&
                error.find("python3) does not load the clock shim (statically linked, or LD_PRELOAD cleared)") !=
                    std::string::npos;
      EXPECT_TRUE(refused) << error;
    }
  }
  EXPECT_TRUE(refused);
}

}  // namespace
}  // namespace firedrill::testing
