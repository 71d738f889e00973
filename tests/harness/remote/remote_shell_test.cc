// remote/remote_shell.h and remote/dead_mans_switch.h against real sshd processes in network
// namespaces (the test bed of sample-system/hosts/testbed.sh): commands and their status, a
// command's timeout, the clear errors of a refused key, a host-key mismatch and an unreachable
// host, a session that ends; a switch that fires after its controller is gone, and one disarmed;
// a partition (nft) that touches no other rule and is undone by its switch; a ballast; the tools.
#include "remote/remote_shell.h"

#include "remote/dead_mans_switch.h"
#include "remote/host_scripts.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <fstream>
#include <iostream>
#include <cstdio>
#include <optional>
#include <vector>
#include <thread>

#include "testing/prerequisite.h"
#include "testing/ssh_testbed.h"

namespace firedrill {
namespace {

using std::chrono::milliseconds;
using testing::SshTestbed;

SshTestbed& bed() {
  static SshTestbed b("rs", 1, 3);
  return b;
}

class RemoteShellTest : public ::testing::Test {
 protected:
  void SetUp() override { FIREDRILL_REQUIRE(bed().up(), bed().why_not()); }

  SshSettings options() const {
    SshSettings o;
    o.identity_file = bed().identity();
    o.known_hosts = bed().known_hosts();
    o.connect_timeout = milliseconds(3'000);
    return o;
  }
  SshEndpoint host(int i) const { return SshEndpoint{"root", bed().address(i), 22}; }

  Status connect(RemoteShell& shell) {
    std::optional<Status> result;
    shell.connect([&](Status s) {
      result = s;
      io.stop();
    });
    io.run_for(std::chrono::seconds(15));
    io.restart();
    return result.value_or(Status::error("connect never answered"));
  }
  Result<RemoteResult> run(RemoteShell& shell, const std::string& script, milliseconds timeout = milliseconds(5'000)) {
    std::optional<Result<RemoteResult>> result;
    shell.run(script, timeout, [&](Result<RemoteResult> r) {
      result = std::move(r);
      io.stop();
    });
    io.run_for(std::chrono::seconds(20));
    io.restart();
    return result.value_or(Status::error("the command never answered"));
  }

  // Arms a switch over `shell`; nullopt (and a failure) when it could not be armed.
  std::optional<ArmedSwitch> arm(RemoteShell& shell, const std::string& marker, milliseconds delay,
                                 const std::string& revert) {
    std::optional<ArmedSwitch> armed;
    arm_switch(shell, marker, delay, revert, [&](Result<ArmedSwitch> a) {
      EXPECT_TRUE(a) << a.status().message();
      if (a) armed = *a;
      io.stop();
    });
    io.run_for(std::chrono::seconds(10));
    io.restart();
    return armed;
  }

  boost::asio::io_context io;
};

TEST_F(RemoteShellTest, RunsCommandsWithTheirOutputAndStatusOverOneSession) {
  RemoteShell shell(io, "host1", host(1), options());
  ASSERT_TRUE(connect(shell).is_ok());
  auto hello = run(shell, "echo hello; echo to-stderr >&2");
  ASSERT_TRUE(hello) << hello.status().message();
  EXPECT_EQ(hello->exit_code, 0);
  EXPECT_EQ(hello->output, "hello\nto-stderr");
  auto failed = run(shell, "exit 3");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->exit_code, 3);
  // A script the shell cannot parse fails on its own; the session goes on.
  auto broken = run(shell, "echo 'unclosed");
  ASSERT_TRUE(broken);
  EXPECT_NE(broken->exit_code, 0);
  auto quoted = run(shell, "printf '%s' \"it's\"");
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->output, "it's");
  // The command ran on the host: its address is the host's.
  auto where = run(shell, "ip -4 -o addr show dev eth0");
  ASSERT_TRUE(where);
  EXPECT_NE(where->output.find(bed().address(1)), std::string::npos) << where->output;
  // One session: a round trip, not a new connection, per command.
  std::vector<int64_t> trips;
  for (int i = 0; i < 30; ++i) {
    auto r = run(shell, "kill -0 1");
    ASSERT_TRUE(r);
    trips.push_back(r->round_trip_ns);
  }
  std::sort(trips.begin(), trips.end());
  std::cout << "round trip of `kill -0 1` over one session: median " << trips[15] / 1000 << " us, max "
            << trips.back() / 1000 << " us (30 commands)\n";
  EXPECT_LT(trips[15], 100'000'000) << "median round trip " << trips[15] << " ns";
}

TEST_F(RemoteShellTest, ACommandIsKilledAtItsTimeoutAndTheSessionGoesOn) {
  RemoteShell shell(io, "host1", host(1), options());
  ASSERT_TRUE(connect(shell).is_ok());
  auto slow = run(shell, "sleep 30", milliseconds(300));
  ASSERT_TRUE(slow) << slow.status().message();
  EXPECT_TRUE(slow->timed_out()) << slow->exit_code;
  auto after = run(shell, "echo still");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->output, "still");
}

TEST_F(RemoteShellTest, AHostKeyThatDoesNotMatchIsRefusedNamingTheFile) {
  // host2's key written down for host1's address.
  const std::string wrong = bed().dir() + "/known_hosts.wrong";
  {
    std::ifstream in(bed().known_hosts());
    std::ofstream out(wrong);
    std::string line, second;
    std::getline(in, line);
    std::getline(in, second);
    out << bed().address(1) << second.substr(second.find(' ')) << "\n";
  }
  SshSettings o = options();
  o.known_hosts = wrong;
  RemoteShell shell(io, "host1", host(1), o);
  const Status s = connect(shell);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("host1 (root@" + bed().address(1) + ":22)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("does not match " + wrong), std::string::npos) << s.message();
}

TEST_F(RemoteShellTest, AHostNotInKnownHostsIsRefused) {
  SshSettings o = options();
  o.known_hosts = bed().dir() + "/known_hosts.empty";
  std::ofstream(o.known_hosts).close();
  RemoteShell shell(io, "host1", host(1), o);
  const Status s = connect(shell);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("host key of " + bed().address(1)), std::string::npos) << s.message();
}

TEST_F(RemoteShellTest, AKeyTheHostDoesNotKnowIsRefusedNamingIt) {
  const std::string other = bed().dir() + "/other_key";
  SshTestbed::shell("rm -f " + other + "*; ssh-keygen -q -t ed25519 -N '' -f " + other);
  SshSettings o = options();
  o.identity_file = other;
  RemoteShell shell(io, "host1", host(1), o);
  const Status s = connect(shell);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("refused the key " + other + " for user root"), std::string::npos) << s.message();
}

TEST_F(RemoteShellTest, AnUnreachableHostIsAClearErrorWithinTheConnectTimeout) {
  RemoteShell shell(io, "ghost", SshEndpoint{"root", bed().nobody(), 22}, options());
  const auto start = std::chrono::steady_clock::now();
  const Status s = connect(shell);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("ghost (root@" + bed().nobody() + ":22): the host cannot be reached"), std::string::npos)
      << s.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(12));
}

TEST_F(RemoteShellTest, AHostThatDropsOffEndsTheSessionFailingWhatIsQueuedAndIsToldOnce) {
  RemoteShell shell(io, "host2", host(2), options());
  ASSERT_TRUE(connect(shell).is_ok());
  int lost = 0;
  std::string why;
  shell.on_lost([&](const std::string& w) {
    ++lost;
    why = w;
  });
  std::vector<Result<RemoteResult>> results;
  for (const char* script : {"sleep 1; echo a", "echo b"}) {
    shell.run(script, milliseconds(5'000), [&](Result<RemoteResult> r) { results.push_back(std::move(r)); });
  }
  // The host drops off the network: only this bed's host2, so no other session is touched.
  ASSERT_EQ(SshTestbed::shell("ip -n " + bed().netns(2) + " link set eth0 down"), 0);
  const auto start = std::chrono::steady_clock::now();
  while (results.size() < 2 && std::chrono::steady_clock::now() - start < std::chrono::seconds(20)) {
    io.run_for(std::chrono::milliseconds(100));
    io.restart();
  }
  io.run_for(std::chrono::milliseconds(200));  // the loss is told after the failures
  io.restart();
  SshTestbed::shell("ip -n " + bed().netns(2) + " link set eth0 up");
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) {
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("host2 (root@" + bed().address(2) + ":22): "), std::string::npos)
        << r.status().message();
  }
  EXPECT_EQ(lost, 1);
  EXPECT_FALSE(why.empty());
  EXPECT_FALSE(shell.open());
  auto after = run(shell, "true");
  EXPECT_FALSE(after.is_ok());
}

// The file a switch's revert creates: the hosts share this machine's file system.
std::string fired_file(const std::string& name) {
  return "/tmp/firedrill-switch-test-" + std::to_string(::getpid()) + "-" + name;
}

TEST_F(RemoteShellTest, ASwitchFiresOnTheHostAfterTheControllerIsGone) {
  const std::string fired = fired_file("fires");
  std::remove(fired.c_str());
  std::optional<ArmedSwitch> armed;
  {
    RemoteShell shell(io, "host1", host(1), options());
    ASSERT_TRUE(connect(shell).is_ok());
    armed = arm(shell, switch_marker("test", "fires"), milliseconds(1'500), "touch " + fired);
    ASSERT_TRUE(armed.has_value());
    EXPECT_GT(armed->pid, 0);
  }  // the session ends here, as it would with the controller killed
  EXPECT_NE(::access(fired.c_str(), F_OK), 0) << "fired before its time";
  std::this_thread::sleep_for(std::chrono::milliseconds(2'500));
  EXPECT_EQ(::access(fired.c_str(), F_OK), 0) << "the switch did not fire on its own";
  EXPECT_NE(SshTestbed::shell("pgrep -f firedrill-switch-test-[f]ires >/dev/null"), 0) << "the switch is still there";
  std::remove(fired.c_str());
}

TEST_F(RemoteShellTest, ADisarmedSwitchNeverFiresAndLeavesNoProcess) {
  const std::string fired = fired_file("disarmed");
  std::remove(fired.c_str());
  RemoteShell shell(io, "host2", host(2), options());
  ASSERT_TRUE(connect(shell).is_ok());
  const std::optional<ArmedSwitch> armed =
      arm(shell, switch_marker("test", "disarmed"), milliseconds(1'000), "touch " + fired);
  ASSERT_TRUE(armed.has_value());
  EXPECT_EQ(SshTestbed::shell("pgrep -f firedrill-switch-test-[d]isarmed >/dev/null"), 0) << "no switch is armed";
  std::optional<Status> disarmed;
  disarm_switch(shell, *armed, [&](Status s) {
    disarmed = s;
    io.stop();
  });
  io.run_for(std::chrono::seconds(10));
  io.restart();
  ASSERT_TRUE(disarmed.has_value() && disarmed->is_ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1'500));
  EXPECT_NE(::access(fired.c_str(), F_OK), 0) << "a disarmed switch fired";
  EXPECT_NE(SshTestbed::shell("pgrep -f firedrill-switch-test-[d]isarmed >/dev/null"), 0) << "the switch is still there";
}

TEST(DeadMansSwitch, ScriptsNameTheSwitchAndSignalOnlyIt) {
  EXPECT_EQ(switch_marker("run 2026-12-05/x", "fault-0"), "firedrill-switch-run_2026-12-05_x-fault-0");
  const std::string arm = arm_switch_script("firedrill-switch-r-1", milliseconds(2'050), "rm -f /data/ballast");
  EXPECT_EQ(arm, "setsid sh -c 'sleep 2.050s; rm -f /data/ballast' 'firedrill-switch-r-1' "
                 "</dev/null >/dev/null 2>&1 & echo $!");
  const std::string disarm = disarm_switch_script(ArmedSwitch{"firedrill-switch-r-1", 4242});
  EXPECT_NE(disarm.find("/proc/4242/cmdline"), std::string::npos);
  EXPECT_NE(disarm.find("kill -KILL -4242"), std::string::npos);
}

TEST(HostScripts, ACutNeedsIpv4Peers) {
  EXPECT_FALSE(nft_cut("r", 0, {}));
  EXPECT_FALSE(nft_cut("r", 0, {"10.0.0.1", "db-1.example"}));
  EXPECT_FALSE(nft_cut("r", 0, {"fd00::1"}));
  ASSERT_TRUE(nft_cut("r", 0, {"10.0.0.1", "10.0.0.2"}));
  EXPECT_NE(nft_cut("r", 0, {"10.0.0.1", "10.0.0.2"})->apply.find("{ 10.0.0.1, 10.0.0.2 }"), std::string::npos);
}

TEST_F(RemoteShellTest, APartitionIsATableOfItsOwnThatLeavesEveryOtherRuleAlone) {
  RemoteShell shell(io, "host1", host(1), options());
  ASSERT_TRUE(connect(shell).is_ok());
  auto sh = [&](const std::string& script, milliseconds timeout = milliseconds(5'000)) {
    auto r = run(shell, script, timeout);
    EXPECT_TRUE(r) << r.status().message();
    return r ? *r : RemoteResult{};
  };
  // A TCP connect from host1 to host i's sshd. Reachable: any of several tries, each of 2 s (a
  // loaded machine may take a second to fork bash); cut: no answer within 1 s.
  auto reachable = [&](int i) {
    const std::string connect = "timeout 2 bash -c '</dev/tcp/" + bed().address(i) + "/22'";
    return sh("for try in 1 2 3 4; do " + connect + " && exit 0; done; exit 1", milliseconds(12'000)).exit_code == 0;
  };
  auto cut_off = [&](int i) {
    return sh("timeout 1 bash -c '</dev/tcp/" + bed().address(i) + "/22'").exit_code != 0;
  };
  // The host's own firewall, which a drill must never touch.
  sh("nft delete table inet team_firewall 2>/dev/null; true");
  ASSERT_EQ(sh("nft add table inet team_firewall && nft add chain inet team_firewall keep && "
               "nft add rule inet team_firewall keep counter accept").exit_code, 0);
  ASSERT_TRUE(reachable(2));
  const HostChange cut = *nft_cut("run 1", 0, {bed().address(2)});
  auto applied = sh(cut.apply);
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_EQ(sh(cut.verify).exit_code, 0);
  EXPECT_TRUE(cut_off(2)) << "host2 is still reachable";
  EXPECT_TRUE(reachable(3)) << "host3 was cut too";
  EXPECT_EQ(sh(cut.revert).exit_code, 0);
  EXPECT_NE(sh(cut.verify).exit_code, 0);
  EXPECT_TRUE(reachable(2)) << "host2 is still cut off";
  EXPECT_NE(sh("nft list table inet " + nft_table_name("run 1")).exit_code, 0) << "firedrill's table is left";
  EXPECT_EQ(sh("nft list chain inet team_firewall keep | grep -q 'counter'").exit_code, 0) << "the host's rule went";
  EXPECT_EQ(sh(cut.revert).exit_code, 0) << "a second revert is not a no-op";
  sh("nft delete table inet team_firewall");
}

TEST_F(RemoteShellTest, APartitionIsUndoneByItsSwitchWhenTheControllerIsGone) {
  const HostChange cut = *nft_cut("run-2", 3, {bed().address(3)});
  {
    RemoteShell shell(io, "host1", host(1), options());
    ASSERT_TRUE(connect(shell).is_ok());
    ASSERT_TRUE(arm(shell, switch_marker("run-2", "3"), milliseconds(1'500), cut.revert).has_value());
    auto applied = run(shell, cut.apply);
    ASSERT_TRUE(applied && applied->exit_code == 0);
    auto verified = run(shell, cut.verify);
    ASSERT_TRUE(verified && verified->exit_code == 0);
  }  // the controller is gone
  std::this_thread::sleep_for(std::chrono::milliseconds(2'500));
  EXPECT_NE(SshTestbed::shell("ip netns exec " + bed().netns(1) + " nft list table inet " + nft_table_name("run-2") +
                              " >/dev/null 2>&1"),
            0)
      << "the partition outlived its switch's deadline";
}

TEST_F(RemoteShellTest, ABallastIsAllocatedAndRemoved) {
  RemoteShell shell(io, "host2", host(2), options());
  ASSERT_TRUE(connect(shell).is_ok());
  const std::string path = "/tmp/firedrill-ballast-test-" + std::to_string(::getpid());
  const HostChange b = ballast(path, 8 << 20);
  auto applied = run(shell, b.apply);
  ASSERT_TRUE(applied && applied->exit_code == 0) << (applied ? applied->output : applied.status().message());
  auto verified = run(shell, b.verify);
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->exit_code, 0) << verified->output;
  auto reverted = run(shell, b.revert);
  ASSERT_TRUE(reverted && reverted->exit_code == 0);
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
}

TEST_F(RemoteShellTest, MissingToolsAreNamed) {
  RemoteShell shell(io, "host3", host(3), options());
  ASSERT_TRUE(connect(shell).is_ok());
  auto present = run(shell, tools_check_script({"nft", "tc", "fallocate"}));
  ASSERT_TRUE(present);
  EXPECT_EQ(present->exit_code, 0) << present->output;
  auto missing = run(shell, tools_check_script({"nft", "no-such-tool-here"}));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->exit_code, 1);
  EXPECT_EQ(missing->output, "no-such-tool-here");
}

}  // namespace
}  // namespace firedrill
