// `firedrill run` end to end against refpay in a real lab (issue [2/8], "what it must show"):
// a primary-kill drill completes with a full timeline; SIGINT reverts faults and still writes
// the timeline and summary (exit 4); SIGKILL of the controller leaves no process, mount,
// network namespace or link behind; an ordinary user runs through a user namespace.
// Needs root (skips elsewhere, fails in CI).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "harness/cli/run_fixture.h"
#include "testing/prerequisite.h"

namespace firedrill::testing {
namespace {

TEST(FiredrillRun, APrimaryKillDrillCompletesWithAFullTimeline) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");
  std::string out = make_temp_dir() + "/run";
  pid_t pid = start_run((kSource / "tests/data/scenarios/primary_kill_short.toml").string(), out);
  int code = wait_exit(pid, milliseconds(90'000));
  ASSERT_EQ(code, 0) << text_of(out + ".log");
  auto records = read_timeline(out);
  ASSERT_FALSE(records.empty());

  // Every invoke has exactly one completion (ok / fail / unknown) with the same op id.
  std::map<int64_t, int> completions;
  int64_t invokes = 0;
  for (const auto& r : records) {
    if (r.at("source") != "workload") continue;
    const std::string kind(r.at("kind").as_string());
    if (kind == "invoke") {
      ++invokes;
      completions.emplace(r.at("op").as_int64(), 0);
    } else if (kind == "ok" || kind == "fail" || kind == "unknown") {
      ++completions[r.at("op").as_int64()];
    }
  }
  EXPECT_GT(invokes, 500);
  for (const auto& [op, n] : completions) EXPECT_EQ(n, 1) << "op " << op;

  EXPECT_TRUE(has(records, "applied", [](const json::object& r) {
    return r.at("kind") == "applied" && r.at("verified").as_bool();
  })) << "the kill verified";
  EXPECT_TRUE(has(records, "alert", [](const json::object& r) {
    return r.at("alertname") == "LedgerPrimaryDown" && r.at("status") == "firing";
  })) << "the arbiter's alert reached the receiver";
  EXPECT_TRUE(has(records, "log_match")) << "the log pattern detector saw the promotion";
  EXPECT_TRUE(has(records, "reverted", [](const json::object& r) { return r.at("verified").as_bool(); }))
      << "the restart";
  int restarts = 0;
  for (const auto& r : records) {
    if (r.at("kind") == "started" && r.at("source") == "supervisor") ++restarts;
  }
  EXPECT_EQ(restarts, 6) << "5 nodes started, 1 restarted";
  int reads = 0;
  for (const auto& r : records) {
    if (r.at("kind") == "final_read" && r.at("ok").as_bool() &&
        std::string(r.at("path").as_string()).find(".ndjson") != std::string::npos) {
      ++reads;
    }
  }
  EXPECT_EQ(reads, 3) << "every ledger's export read";
  EXPECT_TRUE(fs::exists(out + "/exports/ledger-1.ndjson"));
  EXPECT_TRUE(fs::exists(out + "/summary.txt"));
  // Times are monotonic and the chain links each record to the previous.
  for (std::size_t i = 1; i < records.size(); ++i) {
    EXPECT_GE(records[i].at("t_ns").as_int64(), records[i - 1].at("t_ns").as_int64());
    EXPECT_EQ(records[i].at("seq").as_int64(), records[i - 1].at("seq").as_int64() + 1);
  }
  fs::remove_all(fs::path(out).parent_path());
}

// A drill with a long standby pause, caught while the pause is applied.
struct PausedDrill {
  std::string out;  // its run directory
  pid_t pid = 0;    // the controller
  HostState during;
};

// Starts the drill into a fresh run directory and waits (30 s at most) until the pause is applied.
::testing::AssertionResult start_until_applied(PausedDrill& drill) {
  drill.out = make_temp_dir() + "/run";
  drill.pid = start_run((kSource / "tests/data/scenarios/standby_pause_long.toml").string(), drill.out);
  if (!wait_for_record(drill.out, "applied", milliseconds(30'000))) {
    return ::testing::AssertionFailure() << "no fault applied within 30 s:\n" << text_of(drill.out + ".log");
  }
  drill.during = host_state(drill.out);
  return ::testing::AssertionSuccess();
}

TEST(FiredrillRun, SigintRevertsTheFaultsAndStillWritesTheTimelineAndSummary) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");
  PausedDrill drill;
  ASSERT_TRUE(start_until_applied(drill));
  const auto& [out, pid, during] = drill;
  kill(pid, SIGINT);
  EXPECT_EQ(wait_exit(pid, milliseconds(30'000)), 4) << text_of(out + ".log");
  auto records = read_timeline(out);
  EXPECT_TRUE(has(records, "abort"));
  EXPECT_TRUE(has(records, "reverted", [](const json::object& r) {
    return r.at("kind") == "reverted" && r.at("verified").as_bool();
  })) << "the pause was reverted (SIGCONT)";
  EXPECT_TRUE(has(records, "end"));
  EXPECT_TRUE(fs::exists(out + "/summary.txt"));
  expect_nothing_left(during, out, milliseconds(2'000));
  fs::remove_all(fs::path(out).parent_path());
}

TEST(FiredrillRun, SigkillOfTheControllerLeavesNothingBehind) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");
  PausedDrill drill;
  ASSERT_TRUE(start_until_applied(drill));
  const auto& [out, pid, during] = drill;
  EXPECT_GE(during.drill_processes.size(), 5u) << "the nodes run while the drill does";
  EXPECT_TRUE(during.drill_mounts.empty()) << "the volumes live in the lab's own mount namespace";
  kill(pid, SIGKILL);
  wait_exit(pid, milliseconds(5'000));
  expect_nothing_left(during, out, milliseconds(2'000));
  fs::remove_all(fs::path(out).parent_path());
}

TEST(FiredrillRun, AnOrdinaryUserRunsThroughAUserNamespaceOrIsToldWhatIsMissing) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to switch to an unprivileged user for this test");
  std::string dir = make_temp_dir();
  fs::permissions(dir, fs::perms::all);
  std::string out = dir + "/run";
  pid_t pid = start_run((kSource / "tests/data/scenarios/standby_pause_long.toml").string(), out, 65534);
  bool started = wait_for_record(out, "applied", milliseconds(30'000));
  HostState during = host_state(out);
  if (started) {
    kill(pid, SIGINT);
    EXPECT_EQ(wait_exit(pid, milliseconds(30'000)), 4) << text_of(out + ".log");
    expect_nothing_left(during, out, milliseconds(2'000));
  } else {
    int code = wait_exit(pid, milliseconds(5'000));
    std::string log = text_of(out + ".log");
    EXPECT_EQ(code, 3) << log;
    EXPECT_NE(log.find("cannot build the lab"), std::string::npos) << log;
    EXPECT_NE(log.find("user namespace"), std::string::npos) << log;
  }
  fs::remove_all(dir);
}

// power.loss as an ordinary user: the lab mounts the FUSE volume inside its user namespace where
// /dev/fuse is open to the user (Debian's udev rule: mode 0666) and the kernel allows it; where
// /dev/fuse is not, the drill stops before anything starts and says what to do.
TEST(FiredrillRun, AnOrdinaryUsersPowerLossRunsThroughAUserNamespaceOrIsToldWhatIsMissing) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to switch to an unprivileged user for this test");
  const bool fuse_open_to_all = access("/dev/fuse", F_OK) == 0 && (fs::status("/dev/fuse").permissions() &
                                                                   fs::perms::others_write) != fs::perms::none;
  std::string dir = make_temp_dir();
  fs::permissions(dir, fs::perms::all);
  std::string out = dir + "/run";
  pid_t pid = start_run((kSource / "tests/data/scenarios/standby_power_loss_long.toml").string(), out, 65534);
  if (fuse_open_to_all) {
    ASSERT_TRUE(wait_for_record(out, "applied", milliseconds(30'000))) << text_of(out + ".log");
    HostState during = host_state(out);
    kill(pid, SIGINT);
    EXPECT_EQ(wait_exit(pid, milliseconds(30'000)), 4) << text_of(out + ".log");
    expect_nothing_left(during, out, milliseconds(2'000));
  } else {
    const int code = wait_exit(pid, milliseconds(30'000));
    const std::string log = text_of(out + ".log");
    EXPECT_EQ(code, 3) << log;
    EXPECT_NE(log.find("open /dev/fuse: Permission denied"), std::string::npos) << log;
    EXPECT_NE(log.find("mode 0666"), std::string::npos) << log;
    EXPECT_FALSE(has(read_timeline(out), "started")) << "no node may start";
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace firedrill::testing
