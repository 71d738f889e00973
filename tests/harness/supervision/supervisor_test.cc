// Tests of the process supervisor (harness/supervision/supervisor.h) with real children: /bin/sleep,
// /bin/sh, /usr/bin/env. Unprivileged and fast, except the network-namespace test, which needs
// root and skips without it (fails in CI).
#include "supervision/supervisor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <fstream>
#include <sstream>
#include <thread>

#include "testing/prerequisite.h"

namespace firedrill {
namespace {

using namespace std::chrono_literals;
using Kind = ProcessEvent::Kind;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// True when no process has `pid` any more (reaped, not a zombie).
bool gone(int pid) { return ::kill(pid, 0) == -1 && errno == ESRCH; }

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "supervisor_test.XXXXXX");
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << "mkdtemp: " << std::strerror(errno);
    dir_ = pattern;
  }
  void TearDown() override {
    supervisor_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A spec running `argv`, logging to <dir>/<name>.out and .err.
  ProcessSpec spec(const std::string& name, std::vector<std::string> argv) const {
    ProcessSpec result;
    result.name = name;
    result.argv = std::move(argv);
    result.env = {{"PATH", "/usr/bin:/bin"}};
    result.stdout_path = dir_ + "/" + name + ".out";
    result.stderr_path = dir_ + "/" + name + ".err";
    return result;
  }

  // Runs the io_context until `done()` holds; false after `timeout`.
  template <typename Predicate>
  bool run_until(Predicate done, std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.restart();
      if (io_.run_one_for(10ms) == 0) std::this_thread::sleep_for(1ms);
    }
    return true;
  }

  // The number of events of `kind` for `name` so far.
  int count(Kind kind, const std::string& name) const {
    int n = 0;
    for (const auto& event : events_) n += event.kind == kind && event.name == name;
    return n;
  }

  // Waits for the `nth` (1-based) event of `kind` for `name` and returns it; fails the test if it
  // does not come within 5 s.
  ProcessEvent wait_event(Kind kind, const std::string& name, int nth = 1) {
    EXPECT_TRUE(run_until([&] { return count(kind, name) >= nth; }))
        << "no event " << static_cast<int>(kind) << " #" << nth << " for " << name;
    int seen = 0;
    for (const auto& event : events_) {
      if (event.kind == kind && event.name == name && ++seen == nth) return event;
    }
    return {};
  }

  boost::asio::io_context io_;
  std::vector<ProcessEvent> events_;
  std::unique_ptr<Supervisor> supervisor_ = std::make_unique<Supervisor>(
      io_, [this](const ProcessEvent& event) { events_.push_back(event); });
  Supervisor& sup_ = *supervisor_;
  std::string dir_;
};

TEST_F(SupervisorTest, StartThenExpectedKill) {
  ASSERT_TRUE(sup_.start(spec("sleeper", {"/bin/sleep", "30"}))) << "start";
  const ProcessEvent started = wait_event(Kind::started, "sleeper");
  EXPECT_GT(started.pid, 0);
  EXPECT_EQ(sup_.pid("sleeper"), started.pid);
  EXPECT_TRUE(sup_.running("sleeper"));

  Status killed = sup_.signal("sleeper", SIGKILL, /*expect_exit=*/true);
  ASSERT_TRUE(killed) << killed.message();
  const ProcessEvent exited = wait_event(Kind::exited, "sleeper");
  EXPECT_EQ(exited.pid, started.pid);
  EXPECT_EQ(exited.signal, SIGKILL);
  EXPECT_EQ(exited.exit_code, -1);
  EXPECT_TRUE(exited.expected);
  EXPECT_FALSE(sup_.running("sleeper"));
  EXPECT_EQ(sup_.pid("sleeper"), std::nullopt);
  EXPECT_TRUE(gone(started.pid));
}

TEST_F(SupervisorTest, UnexpectedExitKeepsItsCode) {
  ASSERT_TRUE(sup_.start(spec("crasher", {"/bin/sh", "-c", "exit 3"})));
  const ProcessEvent exited = wait_event(Kind::exited, "crasher");
  EXPECT_EQ(exited.exit_code, 3);
  EXPECT_EQ(exited.signal, 0);
  EXPECT_FALSE(exited.expected);
  EXPECT_EQ(count(Kind::started, "crasher"), 1);
  EXPECT_FALSE(sup_.running("crasher"));
}

TEST_F(SupervisorTest, OutputIsAppendedToTheLogFiles) {
  ProcessSpec talker = spec("talker", {"/bin/sh", "-c", "echo out; echo err >&2"});
  std::ofstream(talker.stdout_path) << "earlier\n";
  ASSERT_TRUE(sup_.start(talker));
  wait_event(Kind::exited, "talker");
  EXPECT_EQ(read_file(talker.stdout_path), "earlier\nout\n");
  EXPECT_EQ(read_file(talker.stderr_path), "err\n");
}

TEST_F(SupervisorTest, EnvironmentIsExactlyTheSpecs) {
  ProcessSpec printer = spec("printer", {"/usr/bin/env"});
  printer.env = {{"FIREDRILL_PROBE", "hello world"}, {"B", "2"}};
  ASSERT_TRUE(sup_.start(printer));
  EXPECT_EQ(wait_event(Kind::exited, "printer").exit_code, 0);
  EXPECT_EQ(read_file(printer.stdout_path), "B=2\nFIREDRILL_PROBE=hello world\n");
}

TEST_F(SupervisorTest, WorkingDirectoryIsSet) {
  ProcessSpec printer = spec("pwd", {"/bin/pwd"});
  printer.working_dir = dir_;
  ASSERT_TRUE(sup_.start(printer));
  EXPECT_EQ(wait_event(Kind::exited, "pwd").exit_code, 0);
  EXPECT_EQ(read_file(printer.stdout_path), dir_ + "\n");
}

TEST_F(SupervisorTest, PauseAndResumeShowInProcState) {
  ASSERT_TRUE(sup_.start(spec("sleeper", {"/bin/sleep", "30"})));
  ASSERT_TRUE(sup_.signal("sleeper", SIGSTOP, /*expect_exit=*/false));
  EXPECT_TRUE(run_until([&] { return sup_.state("sleeper") == 'T'; })) << *sup_.state("sleeper");
  ASSERT_TRUE(sup_.signal("sleeper", SIGCONT, /*expect_exit=*/false));
  EXPECT_TRUE(run_until([&] { return sup_.state("sleeper") != 'T'; }));
  EXPECT_TRUE(sup_.running("sleeper"));
  EXPECT_EQ(count(Kind::exited, "sleeper"), 0);
}

TEST_F(SupervisorTest, RestartAfterDelayStartsANewProcess) {
  ASSERT_TRUE(sup_.start(spec("sleeper", {"/bin/sleep", "30"})));
  const int first_pid = wait_event(Kind::started, "sleeper").pid;
  EXPECT_FALSE(sup_.restart_after("sleeper", 200ms)) << "restart of a running node";
  ASSERT_TRUE(sup_.signal("sleeper", SIGKILL, true));
  wait_event(Kind::exited, "sleeper");

  const auto asked = std::chrono::steady_clock::now();
  Status restart = sup_.restart_after("sleeper", 200ms);
  ASSERT_TRUE(restart) << restart.message();
  EXPECT_FALSE(sup_.restart_after("sleeper", 200ms)) << "a second pending restart";
  const ProcessEvent restarted = wait_event(Kind::started, "sleeper", 2);
  EXPECT_GE(std::chrono::steady_clock::now() - asked, 200ms);
  EXPECT_GT(restarted.pid, 0);
  EXPECT_NE(restarted.pid, first_pid);
  EXPECT_EQ(sup_.pid("sleeper"), restarted.pid);
  EXPECT_TRUE(sup_.running("sleeper"));
}

TEST_F(SupervisorTest, StopCancelsAPendingRestart) {
  ASSERT_TRUE(sup_.start(spec("crasher", {"/bin/sh", "-c", "exit 1"})));
  wait_event(Kind::exited, "crasher");
  ASSERT_TRUE(sup_.restart_after("crasher", 100ms));
  ASSERT_TRUE(sup_.stop("crasher", 1000ms));
  EXPECT_FALSE(run_until([&] { return count(Kind::started, "crasher") > 1; }, 300ms));
}

TEST_F(SupervisorTest, StopTerminatesAWellBehavedChild) {
  ASSERT_TRUE(sup_.start(spec("sleeper", {"/bin/sleep", "30"})));
  const auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(sup_.stop("sleeper", 5000ms));
  const ProcessEvent exited = wait_event(Kind::exited, "sleeper");
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 4000ms);
  EXPECT_EQ(exited.signal, SIGTERM);
  EXPECT_TRUE(exited.expected);
}

TEST_F(SupervisorTest, StopKillsAfterGraceWhenTermIsIgnored) {
  ProcessSpec stubborn = spec("stubborn", {"/bin/sh", "-c", "trap '' TERM; echo ready; sleep 30"});
  ASSERT_TRUE(sup_.start(stubborn));
  // The trap must be set before SIGTERM arrives.
  ASSERT_TRUE(run_until([&] { return read_file(stubborn.stdout_path) == "ready\n"; }));
  const auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(sup_.stop("stubborn", 300ms));
  ASSERT_TRUE(sup_.stop("stubborn", 300ms)) << "a second stop is a no-op";
  const ProcessEvent exited = wait_event(Kind::exited, "stubborn");
  EXPECT_GE(std::chrono::steady_clock::now() - asked, 300ms);
  EXPECT_EQ(exited.signal, SIGKILL);
  EXPECT_TRUE(exited.expected);
}

TEST_F(SupervisorTest, MissingExecutableIsAnErrorNamingIt) {
  Status status = sup_.start(spec("ghost", {"/nonexistent/firedrill-ghost", "--flag"}));
  ASSERT_FALSE(status);
  EXPECT_NE(status.message().find("node ghost"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("/nonexistent/firedrill-ghost"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("No such file or directory"), std::string::npos)
      << status.message();
  const ProcessEvent failed = wait_event(Kind::start_failed, "ghost");
  EXPECT_NE(failed.error.find("/nonexistent/firedrill-ghost"), std::string::npos) << failed.error;
  EXPECT_FALSE(sup_.running("ghost"));
  EXPECT_EQ(count(Kind::started, "ghost"), 0);
}

TEST_F(SupervisorTest, MisuseIsAnError) {
  EXPECT_FALSE(sup_.signal("nobody", SIGKILL, true));
  EXPECT_FALSE(sup_.stop("nobody", 10ms));
  EXPECT_FALSE(sup_.restart_after("nobody", 10ms));
  EXPECT_FALSE(sup_.start(spec("", {"/bin/true"})));
  EXPECT_FALSE(sup_.start(spec("empty", {})));
  ASSERT_TRUE(sup_.start(spec("sleeper", {"/bin/sleep", "30"})));
  Status again = sup_.start(spec("sleeper", {"/bin/sleep", "30"}));
  ASSERT_FALSE(again);
  EXPECT_NE(again.message().find("already running"), std::string::npos) << again.message();
  EXPECT_EQ(sup_.state("nobody"), std::nullopt);
}

TEST_F(SupervisorTest, KillAllReapsAndReportsBeforeReturning) {
  ASSERT_TRUE(sup_.start(spec("a", {"/bin/sleep", "30"})));
  ASSERT_TRUE(sup_.start(spec("b", {"/bin/sleep", "30"})));
  const int pid_a = *sup_.pid("a");
  const int pid_b = *sup_.pid("b");
  sup_.kill_all();  // no io_context run in between: the events come synchronously
  ASSERT_EQ(count(Kind::exited, "a"), 1);
  ASSERT_EQ(count(Kind::exited, "b"), 1);
  EXPECT_LT(&*std::find_if(events_.begin(), events_.end(),
                           [](const auto& e) { return e.kind == Kind::started; }),
            &*std::find_if(events_.begin(), events_.end(),
                           [](const auto& e) { return e.kind == Kind::exited; }))
      << "started events come before exits";
  for (const auto& event : events_) {
    if (event.kind == Kind::exited) {
      EXPECT_EQ(event.signal, SIGKILL);
      EXPECT_TRUE(event.expected);
    }
  }
  EXPECT_TRUE(gone(pid_a));
  EXPECT_TRUE(gone(pid_b));
  // The pending waits complete as cancelled and report nothing more.
  run_until([] { return false; }, 100ms);
  EXPECT_EQ(count(Kind::exited, "a"), 1);
}

TEST_F(SupervisorTest, DestructorKillsEveryNodeAndItsHelpers) {
  ProcessSpec parent = spec("parent", {"/bin/sh", "-c", "trap '' TERM; sleep 30 & echo $!; wait"});
  ASSERT_TRUE(sup_.start(parent));
  ASSERT_TRUE(sup_.start(spec("sleeper", {"/bin/sleep", "30"})));
  ASSERT_TRUE(run_until([&] { return !read_file(parent.stdout_path).empty(); }));
  const int helper_pid = std::stoi(read_file(parent.stdout_path));
  const int parent_pid = *sup_.pid("parent");
  const int sleeper_pid = *sup_.pid("sleeper");

  supervisor_.reset();
  EXPECT_TRUE(gone(parent_pid));
  EXPECT_TRUE(gone(sleeper_pid));
  // The helper was killed with its node's process group; its new parent (init) reaps it.
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!gone(helper_pid) && std::chrono::steady_clock::now() < deadline) {
    std::ifstream stat("/proc/" + std::to_string(helper_pid) + "/stat");
    std::string line;
    if (std::getline(stat, line) && line[line.rfind(')') + 2] == 'Z') break;  // dead, unreaped
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(std::chrono::steady_clock::now() < deadline) << "helper " << helper_pid << " alive";
  io_.restart();
  io_.run_for(50ms);  // handlers of the destroyed supervisor run harmlessly
}

// Opens a new network namespace from a helper thread, so the test process keeps its own.
int open_new_netns() {
  int fd = -1;
  std::thread([&fd] {
    if (::unshare(CLONE_NEWNET) == 0) fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  }).join();
  return fd;
}

TEST_F(SupervisorTest, ChildJoinsTheGivenNetworkNamespace) {
  FIREDRILL_REQUIRE(::geteuid() == 0, "root, to create a network namespace");
  const int netns_fd = open_new_netns();
  ASSERT_GE(netns_fd, 0) << "unshare/open: " << std::strerror(errno);
  struct stat ns {};
  ASSERT_EQ(::fstat(netns_fd, &ns), 0);
  struct stat own {};
  ASSERT_EQ(::stat("/proc/self/ns/net", &own), 0);
  ASSERT_NE(ns.st_ino, own.st_ino) << "the test's own namespace must not change";

  ProcessSpec reader = spec("reader", {"/bin/sh", "-c", "readlink /proc/self/ns/net"});
  reader.netns_fd = netns_fd;
  Status started = sup_.start(reader);
  ASSERT_TRUE(started) << started.message();
  EXPECT_EQ(wait_event(Kind::exited, "reader").exit_code, 0);
  EXPECT_EQ(read_file(reader.stdout_path), "net:[" + std::to_string(ns.st_ino) + "]\n");
  ::close(netns_fd);
}

// One-shot tasks (a node's restore action): exit code and output kept, no node events, a
// deadline that kills, a start failure reported through `done`.
TEST_F(SupervisorTest, TaskReportsItsExitAndOutput) {
  std::optional<TaskResult> result;
  sup_.run_task(spec("restore", {"/bin/sh", "-c", "echo '{\"ok\":true}'; exit 3"}), 5000ms,
                [&](const TaskResult& r) { result = r; });
  ASSERT_TRUE(run_until([&] { return result.has_value(); }));
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->signal, 0);
  EXPECT_FALSE(result->timed_out);
  EXPECT_FALSE(result->succeeded());
  EXPECT_TRUE(result->error.empty()) << result->error;
  EXPECT_EQ(read_file(dir_ + "/restore.out"), "{\"ok\":true}\n");
  EXPECT_TRUE(events_.empty()) << "a task is not a node";
}

TEST_F(SupervisorTest, TaskPastItsDeadlineIsKilled) {
  std::optional<TaskResult> result;
  sup_.run_task(spec("slow", {"/bin/sleep", "30"}), 100ms, [&](const TaskResult& r) { result = r; });
  ASSERT_TRUE(run_until([&] { return result.has_value(); }));
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->signal, SIGKILL);
  EXPECT_FALSE(result->succeeded());
}

TEST_F(SupervisorTest, TaskThatCannotStartSaysWhy) {
  std::optional<TaskResult> result;
  sup_.run_task(spec("nope", {"/bin/nope"}), 1000ms, [&](const TaskResult& r) { result = r; });
  ASSERT_TRUE(run_until([&] { return result.has_value(); }));
  EXPECT_NE(result->error.find("/bin/nope"), std::string::npos) << result->error;
  EXPECT_FALSE(result->succeeded());
}

}  // namespace
}  // namespace firedrill
