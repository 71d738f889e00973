// The promise of DESIGN.md §2, checked on real processes: a controller that is killed, even by
// SIGKILL, leaves nothing behind — no process, no network namespace, no link on the host, no
// mount. Each test starts residue_probe (a miniature controller: enter_lab, a 3-node lab network,
// tmpfs volumes, three sleeping nodes), records its footprint from the host's point of view, kills
// it one way or another, and checks within residue_ms_max that the footprint is gone.
//
// Runs as root in the host's namespaces (it must see what the lab would leave there); skips
// otherwise, and fails in CI. Helpers shared with lab_test.cc live in residue_util.h.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "harness/lab/residue_util.h"
#include "testing/prerequisite.h"

namespace firedrill::residue {
namespace {

using namespace std::chrono_literals;

// How long the lab may take to vanish after its controller is killed (the design's promise).
constexpr std::chrono::milliseconds residue_ms_max(2000);
// How long the probe may take to build its lab and print "ready".
constexpr std::chrono::milliseconds ready_ms_max(20000);

// What one running probe occupies, seen from the host.
struct Footprint {
  std::set<pid_t> processes;
  std::set<ino_t> network_namespaces;
  std::set<ino_t> mount_namespaces;
};

class ResidueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FIREDRILL_REQUIRE(geteuid() == 0, "root (the test inspects the host's namespaces)");
    // Orphans of the probe (its controller, once the outer process is killed) come back to us to
    // be reaped, rather than to the machine's init.
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    run_dir_ = make_run_dir();
    token_ = make_token();
    baseline_network_namespaces_ = reachable_namespaces("net");
    baseline_links_ = host_links();
    ASSERT_TRUE(mounts_under(run_dir_).empty());
  }

  void TearDown() override {
    if (probe_.output_fd >= 0) close(probe_.output_fd);
    for (pid_t pid : marked_processes(token_)) kill(pid, SIGKILL);
    reap_children(residue_ms_max);
    if (!run_dir_.empty()) remove_run_dir(run_dir_);
  }

  // Starts the probe, waits for "ready" and returns its footprint, checking that the lab is real
  // (new namespaces, mounts inside) and invisible from the host (no mount, no link).
  Footprint start_lab() {
    Result<Probe> probe = spawn_probe(run_dir_, token_, std::nullopt, ready_ms_max);
    EXPECT_TRUE(probe.is_ok()) << probe.status().message();
    if (!probe) return {};
    probe_ = *probe;
    EXPECT_EQ(probe_.ready_line, "ready root durable") << probe_.output;
    Footprint footprint;
    for (pid_t pid : marked_processes(token_)) {
      footprint.processes.insert(pid);
      for (ino_t ns : namespaces_of(pid, "net")) footprint.network_namespaces.insert(ns);
      for (ino_t ns : namespaces_of(pid, "mnt")) footprint.mount_namespaces.insert(ns);
    }
    // The outer process, the controller and three nodes.
    EXPECT_EQ(footprint.processes.size(), 5u);
    // The controller's namespace and one per node, none of them the host's.
    EXPECT_EQ(footprint.network_namespaces.size(), 4u);
    for (ino_t ns : footprint.network_namespaces)
      EXPECT_EQ(baseline_network_namespaces_.count(ns), 0u);
    EXPECT_EQ(footprint.mount_namespaces.size(), 1u);
    const pid_t controller = child_of(probe_.pid);
    EXPECT_GT(controller, 0);
    EXPECT_EQ(mounts_under(run_dir_, controller).size(), 4u) << "the lab's volumes, one under FUSE";
    EXPECT_TRUE(mounts_under(run_dir_).empty()) << "the lab's mounts leak to the host";
    EXPECT_EQ(host_links(), baseline_links_) << "the lab touched the host's network";
    return footprint;
  }

  // Waits up to residue_ms_max for every part of `footprint` to be gone, then reports what stays.
  void expect_no_residue(const Footprint& footprint) {
    const auto deadline = std::chrono::steady_clock::now() + residue_ms_max;
    std::string residue;
    do {
      residue = describe_residue(footprint);
      if (residue.empty()) return;
      std::this_thread::sleep_for(10ms);
    } while (std::chrono::steady_clock::now() < deadline);
    ADD_FAILURE() << "left behind " << residue_ms_max.count() << " ms after the kill:" << residue;
  }

  std::string describe_residue(const Footprint& footprint) {
    std::string residue;
    for (pid_t pid : marked_processes(token_)) residue += " process " + std::to_string(pid) + ";";
    const std::set<ino_t> network_namespaces = reachable_namespaces("net");
    for (ino_t ns : footprint.network_namespaces) {
      if (network_namespaces.count(ns)) residue += " net:[" + std::to_string(ns) + "];";
    }
    const std::set<ino_t> mount_namespaces = reachable_namespaces("mnt");
    for (ino_t ns : footprint.mount_namespaces) {
      if (mount_namespaces.count(ns)) residue += " mnt:[" + std::to_string(ns) + "];";
    }
    for (const std::string& link : host_links()) {
      if (!baseline_links_.count(link)) residue += " link " + link + ";";
    }
    for (const std::string& mount : mounts_under(run_dir_)) residue += " mount " + mount + ";";
    return residue;
  }

  // Waits up to residue_ms_max for the probe's outer process to end; its wait status, or -1.
  int wait_probe() {
    const int status = wait_for_exit(probe_.pid, residue_ms_max);
    if (status != -1) probe_.pid = 0;
    return status;
  }

  std::string run_dir_;
  std::string token_;
  Probe probe_;
  std::set<ino_t> baseline_network_namespaces_;
  std::set<std::string> baseline_links_;
};

TEST_F(ResidueTest, KillingTheOuterProcessLeavesNothing) {
  const Footprint footprint = start_lab();
  ASSERT_GT(probe_.pid, 0);
  ASSERT_EQ(kill(probe_.pid, SIGKILL), 0);
  expect_no_residue(footprint);
  const int status = wait_probe();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
}

TEST_F(ResidueTest, KillingTheControllerEndsTheOuterProcessAndLeavesNothing) {
  const Footprint footprint = start_lab();
  const pid_t controller = child_of(probe_.pid);
  ASSERT_GT(controller, 0);
  ASSERT_EQ(kill(controller, SIGKILL), 0);
  const int status = wait_probe();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGKILL) << status;
  expect_no_residue(footprint);
}

// SIGTERM to the outer process is forwarded to the controller, whose handler (PID 1 has no default
// actions) shuts the lab down in order; the outer process exits with the controller's code, 0.
TEST_F(ResidueTest, SigtermIsForwardedAndTheLabShutsDownCleanly) {
  const Footprint footprint = start_lab();
  ASSERT_EQ(kill(probe_.pid, SIGTERM), 0);
  const int status = wait_probe();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << probe_.output;
  expect_no_residue(footprint);
}

// From outside the lab, SIGKILL reaches PID 1 even without a handler: the drill ends as a whole.
TEST_F(ResidueTest, SigkillOfTheControllerFromOutsideIsNeverIgnored) {
  const Footprint footprint = start_lab();
  const pid_t controller = child_of(probe_.pid);
  ASSERT_GT(controller, 0);
  // SIGQUIT has no handler in the probe: as PID 1 it ignores it, and everything keeps running.
  ASSERT_EQ(kill(controller, SIGQUIT), 0);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(marked_processes(token_).size(), 5u) << "SIGQUIT without a handler killed PID 1";
  ASSERT_EQ(kill(controller, SIGKILL), 0);
  expect_no_residue(footprint);
}

}  // namespace
}  // namespace firedrill::residue
