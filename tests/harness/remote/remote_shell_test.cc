// remote/remote_shell.h against real sshd processes in network namespaces (the test bed of
// sample-system/hosts/testbed.sh): commands and their status, a command's timeout, the clear
// errors of a refused key, a host-key mismatch and an unreachable host, and a session that ends.
#include "remote/remote_shell.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <fstream>
#include <optional>

#include "testing/prerequisite.h"
#include "testing/ssh_testbed.h"

namespace firedrill {
namespace {

using std::chrono::milliseconds;
using testing::SshTestbed;

SshTestbed& bed() {
  static SshTestbed b("rs", 1, 2);
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

TEST_F(RemoteShellTest, ASessionThatEndsIsToldOnceAndFailsWhatIsQueued) {
  RemoteShell shell(io, "host2", host(2), options());
  ASSERT_TRUE(connect(shell).is_ok());
  std::optional<std::string> lost;
  shell.on_lost([&](const std::string& why) { lost = why; });
  // The host's sshd goes, and with it this session.
  auto r = run(shell, "pkill -KILL -f 'sshd: root' || kill -KILL $PPID");
  EXPECT_FALSE(r.is_ok() && r->exit_code == 0 && shell.open());
  io.run_for(std::chrono::seconds(5));
  io.restart();
  EXPECT_TRUE(lost.has_value());
  EXPECT_FALSE(shell.open());
  auto after = run(shell, "true");
  EXPECT_FALSE(after.is_ok());
}

}  // namespace
}  // namespace firedrill
