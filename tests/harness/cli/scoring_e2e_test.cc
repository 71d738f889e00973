// Scoring end to end on refpay (issue [4/8], "what it must show"): sync + primary kill passes
// with nothing lost, 10 runs out of 10; async with the standbys paused then the primary killed
// is a safety failure whose lost_ids equal the set this test computes from the raw exports and
// the timeline; a clock skew with a short idempotency TTL yields duplicated payments; and
// re-scoring a run directory gives the same report. Needs root (skips elsewhere, fails in CI).
#include <set>

#include "harness/cli/run_fixture.h"
#include "testing/prerequisite.h"

namespace firedrill::testing {
namespace {

TEST(ScoringEndToEnd, SyncPrimaryKillPassesWithNothingLostTenRunsOutOfTen) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");
  for (int run = 0; run < 10; ++run) {
    Drill d = run_to_end(kSource / "tests/data/scenarios" / "primary_kill_quick.toml");
    ASSERT_EQ(d.exit_code, 0) << "run " << run << ":\n" << text_of(d.dir + ".log");
    EXPECT_EQ(d.report.at("verdict"), "pass");
    EXPECT_EQ(d.report.at("reconciliation").at("lost").as_int64(), 0);
    const auto& fault = d.report.at("faults").at(0).as_object();
    EXPECT_TRUE(fault.at("detected").as_bool());
    EXPECT_TRUE(fault.at("recovered").as_bool());
    fs::remove_all(fs::path(d.dir).parent_path());
  }
}

TEST(ScoringEndToEnd, AsyncLossIsASafetyFailureListingExactlyTheLostPayments) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");
  Drill d = run_to_end(kSource / "tests/data/scenarios" / "async_paused_standbys_kill.toml");
  ASSERT_EQ(d.exit_code, 2) << text_of(d.dir + ".log");
  EXPECT_EQ(d.report.at("verdict"), "safety_failure");

  // Independently: acknowledged keys from the timeline, minus the keys in every ledger's export.
  std::vector<std::string> disagreements;
  const std::set<std::string> lost = independently_lost(d, &disagreements);
  EXPECT_TRUE(disagreements.empty()) << disagreements.front();
  EXPECT_FALSE(lost.empty());
  EXPECT_EQ(string_set(d.report.at("reconciliation").at("lost_ids")), lost);
  EXPECT_GT(d.report.at("reconciliation").at("rpo_ms").to_number<double>(), 0);
  fs::remove_all(fs::path(d.dir).parent_path());
}

TEST(ScoringEndToEnd, ClockSkewWithAShortIdempotencyTtlIsCaughtAsDuplicates) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");
  Drill d = run_to_end(kSource / "tests/data/scenarios" / "clock_skew_short_ttl.toml");
  ASSERT_EQ(d.exit_code, 2) << text_of(d.dir + ".log");
  EXPECT_GT(d.report.at("reconciliation").at("duplicated").as_int64(), 0);

  // Re-scoring the directory offline gives the same report, byte for byte.
  std::string first = text_of(d.dir + "/report.json");
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    std::string exe = firedrill_path();
    execl(exe.c_str(), exe.c_str(), "score", d.dir.c_str(), nullptr);
    _exit(127);
  }
  EXPECT_EQ(wait_exit(pid, milliseconds(30'000)), 2);
  EXPECT_EQ(text_of(d.dir + "/report.json"), first);
  fs::remove_all(fs::path(d.dir).parent_path());
}

}  // namespace
}  // namespace firedrill::testing
