// The dead-man's switches under fire (issue [3/6]): 20 drills over SSH on the test bed, each with
// every kind of host change (tests/data/scenarios/ssh_torture.toml), the controller SIGKILLed at
// a seeded random moment. After the deadline (a fault's end plus [ssh] switch_grace, or the
// heartbeat grace) no host may hold a firedrill nftables table, qdisc, ballast file, stopped or
// started process, or anything in a data volume; the run directory scores as inconclusive.
// FIREDRILL_TORTURE_SEED=N replays a run's kill moments. Needs root, sshd and nft (skips
// elsewhere, fails in CI).
#include <csignal>
#include <iostream>
#include <random>

#include "harness/cli/ssh_fixture.h"
#include "testing/prerequisite.h"

namespace firedrill::testing {
namespace {

constexpr int kRounds = 20;
constexpr int kHosts = 5;
constexpr uint64_t kDefaultSeed = 20261205;
// From before the nodes start to the drill's heal (~3 s to start the system, 5 s of faults).
constexpr int kKillFromMs = 300;
constexpr int kKillToMs = 7'500;

uint64_t torture_seed() {
  const char* env = std::getenv("FIREDRILL_TORTURE_SEED");
  return env == nullptr || *env == '\0' ? kDefaultSeed : std::strtoull(env, nullptr, 10);
}

// `firedrill score RUN_DIR`; its exit code.
int score(const std::string& run_dir) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open((run_dir + ".score.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    dup2(fd, 1);
    dup2(fd, 2);
    const std::string exe = firedrill_path();
    execl(exe.c_str(), exe.c_str(), "score", run_dir.c_str(), nullptr);
    _exit(127);
  }
  return wait_exit(pid, milliseconds(60'000));
}

TEST(SshTorture, TwentyControllersKilledAtRandomMomentsLeaveNothingOnAnyHost) {
  SshTestbed bed("st", 25, kHosts);
  FIREDRILL_REQUIRE(bed.up(), bed.why_not());
  const uint64_t seed = torture_seed();
  std::cout << "ssh torture: seed " << seed << " (FIREDRILL_TORTURE_SEED=" << seed << " replays it)" << std::endl;
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> kill_after_ms(kKillFromMs, kKillToMs);
  const std::string dir = make_temp_dir();
  const std::string scenario = bed_scenario(kSource / "tests/data/scenarios/ssh_torture.toml", bed_definition(bed, dir), dir);

  for (int round = 1; round <= kRounds; ++round) {
    const milliseconds kill_after(kill_after_ms(rng));
    SCOPED_TRACE("round " + std::to_string(round) + ", killed " + std::to_string(kill_after.count()) + " ms after start");
    const std::string out = dir + "/run" + std::to_string(round);
    const pid_t pid = start_run(scenario, out);
    ASSERT_GT(pid, 0);
    int status = 0;
    bool finished = false;
    for (const auto until = Clock::now() + kill_after; Clock::now() < until;) {
      if (waitpid(pid, &status, WNOHANG) == pid) {
        finished = true;
        break;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    if (!finished) {
      ASSERT_EQ(kill(pid, SIGKILL), 0);
      EXPECT_EQ(wait_exit(pid, milliseconds(5'000)), 128 + SIGKILL);
    }
    // The latest deadline: a fault's end (5 s into a fault phase that starts ~3 s in) plus the
    // 2 s grace, or the 3 s heartbeat grace after the kill; the switches then need a moment.
    const auto left = wait_bed_clean(bed, kHosts, milliseconds(25'000));
    EXPECT_EQ(joined_lines(left), "") << text_of(out + ".log");
    if (!finished) {
      const int verdict = score(out);
      // A drill killed before it wrote anything has no run to score (usage error 64).
      EXPECT_TRUE(verdict == 3 || verdict == 64) << verdict << "\n" << text_of(out + ".score.log");
    }
    if (!left.empty()) break;  // the next round would only see this one's residue
  }
  if (!HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace firedrill::testing
