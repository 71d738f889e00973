// Tests of the clock shim (harness/lab/clock/shim/clock_shim.cc) driven by ClockControlFile
// (harness/lab/clock/clock_control_file.h), in real processes: clock_shim_probe (tests/faults/
// clock_shim_probe.cc), `date` and python3 run with libfiredrill-clock.so preloaded and
// FIREDRILL_CLOCK_CONTROL naming a page in a temporary directory. What a user of clock.skew relies
// on: the node's wall clock moves at once, and only the wall clock; its sleeps, timeouts and
// deadlines still last as long as they say; an acknowledgement proves a node process read the
// skew; a missing or broken page leaves the program on real time.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lab/clock/clock_control_file.h"
#include "testing/prerequisite.h"

extern char** environ;

namespace firedrill {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Readings = std::map<std::string, int64_t>;

constexpr int64_t ns_per_ms = 1'000'000;
constexpr int64_t ns_per_s = 1'000'000'000;
constexpr int64_t skew_ns = 600 * ns_per_s;
// How far a reading may be outside the real time around it (plus the skew): pipe and scheduling
// delays on a loaded machine.
constexpr int64_t reading_tolerance_ns = 50 * ns_per_ms;
// The longest a child may take to answer a line, or to run to its end.
constexpr std::chrono::milliseconds child_reply_ms_max(10'000);
// The probe's waits are for wait_ms; one that ended before wait_ms_min had its deadline moved
// back (not translated under a negative skew), one that lasted past wait_ms_max forward (a
// positive skew: untranslated, it would last 600 s).
constexpr int64_t wait_ms = 200;
constexpr int64_t wait_ms_min = 150;
constexpr int64_t wait_ms_max = 3'000;
// The same bounds for Python's 0.3 s (and select's 0.2 s) waits, in seconds.
constexpr double python_wait_s_slack_min = 0.01;
constexpr double python_wait_s_max = 3.0;

const std::string shim_path = FIREDRILL_CLOCK_SHIM;
const std::string probe_path = FIREDRILL_CLOCK_SHIM_PROBE;
const std::string static_probe_path = FIREDRILL_CLOCK_SHIM_PROBE_STATIC;

int64_t clock_ns(clockid_t clock) {
  timespec now{};
  clock_gettime(clock, &now);
  return int64_t{now.tv_sec} * ns_per_s + now.tv_nsec;
}

int64_t realtime_ns() { return clock_ns(CLOCK_REALTIME); }

// This process's environment without the shim's variables (so that a test chooses them).
std::map<std::string, std::string> clean_environment() {
  std::map<std::string, std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const auto equals = text.find('=');
    if (equals == std::string::npos) continue;
    environment[text.substr(0, equals)] = text.substr(equals + 1);
  }
  environment.erase("LD_PRELOAD");
  environment.erase(clock_control_env);
  environment.erase(clock_witness_env);
  return environment;
}

// The executable `name` on PATH, or "" when there is none.
std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream directories(path != nullptr ? path : "");
  std::string directory;
  while (std::getline(directories, directory, ':')) {
    const fs::path candidate = fs::path(directory.empty() ? "." : directory) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

// A child process with its stdin and stdout on pipes (stderr is the test's); killed and reaped
// when destroyed if still running.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& environment) {
    int input[2];
    int output[2];
    if (::pipe2(input, O_CLOEXEC) != 0) return;
    if (::pipe2(output, O_CLOEXEC) != 0) {
      ::close(input[0]);
      ::close(input[1]);
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, input[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, output[1], STDOUT_FILENO);
    std::vector<char*> arguments;
    for (const auto& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
    arguments.push_back(nullptr);
    std::vector<std::string> entries;
    for (const auto& [name, value] : environment) entries.push_back(name + "=" + value);
    std::vector<char*> envp;
    for (auto& entry : entries) envp.push_back(entry.data());
    envp.push_back(nullptr);
    pid_t pid = -1;
    const int error = posix_spawnp(&pid, arguments[0], &actions, nullptr, arguments.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(input[0]);
    ::close(output[1]);
    if (error != 0) {
      ::close(input[1]);
      ::close(output[0]);
      return;
    }
    pid_ = pid;
    stdin_ = input[1];
    stdout_ = output[0];
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    close_stdin();
    if (stdout_ >= 0) ::close(stdout_);
    if (pid_ > 0 && !exit_code_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // The child's pid; -1 when it could not be started.
  pid_t pid() const { return pid_; }

  // The next line the child writes (without its newline); nullopt at EOF or after `timeout`.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = child_reply_ms_max) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (stdout_ < 0 || left.count() <= 0) return std::nullopt;
      pollfd ready{stdout_, POLLIN, 0};
      if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      const ssize_t got = ::read(stdout_, chunk, sizeof chunk);
      if (got <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(got));
    }
  }

  // Everything the child writes until it closes its stdout (or `timeout` passes).
  std::string read_all(std::chrono::milliseconds timeout = child_reply_ms_max) {
    std::string all;
    while (auto line = read_line(timeout)) all += *line + "\n";
    return all + buffer_;
  }

  bool write_line(const std::string& line) {
    const std::string text = line + "\n";
    return stdin_ >= 0 && ::write(stdin_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  }

  void close_stdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }

  // The exit code (128 + signal when killed by one); nullopt when still running after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout = child_reply_ms_max) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0 && !exit_code_) {
      int status = 0;
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      } else if (std::chrono::steady_clock::now() > deadline) {
        break;
      } else {
        std::this_thread::sleep_for(5ms);
      }
    }
    return exit_code_;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string buffer_;
  std::optional<int> exit_code_;
};

// "name=123 other=456" → {name: 123, other: 456}.
Readings parse_readings(const std::string& line) {
  Readings readings;
  std::stringstream fields(line);
  std::string field;
  while (fields >> field) {
    const auto equals = field.find('=');
    if (equals != std::string::npos) readings[field.substr(0, equals)] = std::stoll(field.substr(equals + 1));
  }
  return readings;
}

// A reading taken between the real times `before_ns` and `after_ns` on a clock `offset_ns` away
// from real time, give or take reading_tolerance_ns (and `coarseness_ns`, for time()).
void expect_between(const std::string& what, int64_t reading_ns, int64_t before_ns, int64_t after_ns,
                    int64_t offset_ns, int64_t coarseness_ns = 0) {
  EXPECT_GE(reading_ns, before_ns + offset_ns - reading_tolerance_ns - coarseness_ns)
      << what << " is " << (before_ns + offset_ns - reading_ns) / ns_per_ms << " ms early";
  EXPECT_LE(reading_ns, after_ns + offset_ns + reading_tolerance_ns)
      << what << " is " << (reading_ns - after_ns - offset_ns) / ns_per_ms << " ms late";
}

// Every wall-clock reading of the probe shows `offset_ns`; its MONOTONIC clock is the real one.
void expect_readings(const Readings& readings, int64_t before_ns, int64_t after_ns, int64_t monotonic_before_ns,
                     int64_t monotonic_after_ns, int64_t offset_ns) {
  for (const char* name : {"realtime", "coarse", "gettimeofday", "timespec_get", "system_clock"}) {
    ASSERT_TRUE(readings.count(name)) << name;
    expect_between(name, readings.at(name), before_ns, after_ns, offset_ns);
  }
  expect_between("time", readings.at("time"), before_ns, after_ns, offset_ns, ns_per_s);
  ASSERT_TRUE(readings.count("monotonic"));
  expect_between("monotonic", readings.at("monotonic"), monotonic_before_ns, monotonic_after_ns, 0);
}

class ClockShimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() / ("clock-shim-test-" + std::to_string(::getpid()));
    fs::create_directories(directory_);
    page_ = (directory_ / "node.clock").string();
    auto created = ClockControlFile::create(page_);
    ASSERT_TRUE(created) << created.status().message();
    control_.emplace(std::move(*created));
  }
  void TearDown() override {
    control_.reset();
    fs::remove_all(directory_);
  }

  // The environment of a node process: the shim preloaded, reading `page` (none when empty).
  static std::map<std::string, std::string> node_environment(const std::string& page) {
    auto environment = clean_environment();
    environment["LD_PRELOAD"] = shim_path;
    if (!page.empty()) environment[clock_control_env] = page;
    return environment;
  }
  std::map<std::string, std::string> node_environment() const { return node_environment(page_); }

  void set(int64_t offset_ns, double rate = 1.0) {
    const Status status = control_->set(offset_ns, rate);
    ASSERT_TRUE(status) << status.message();
  }

  // Asks a serving probe for its readings and checks them against `offset_ns`.
  void expect_probe_shows(Child& probe, int64_t offset_ns) {
    const int64_t monotonic_before_ns = clock_ns(CLOCK_MONOTONIC);
    const int64_t before_ns = realtime_ns();
    ASSERT_TRUE(probe.write_line("now"));
    const auto line = probe.read_line();
    const int64_t after_ns = realtime_ns();
    const int64_t monotonic_after_ns = clock_ns(CLOCK_MONOTONIC);
    ASSERT_TRUE(line) << "the probe did not answer";
    expect_readings(parse_readings(*line), before_ns, after_ns, monotonic_before_ns, monotonic_after_ns, offset_ns);
  }

  // Runs the probe once (`now`) in `environment` and checks it shows real time and exits 0.
  void expect_real_time(const std::map<std::string, std::string>& environment) {
    const int64_t monotonic_before_ns = clock_ns(CLOCK_MONOTONIC);
    const int64_t before_ns = realtime_ns();
    Child probe({probe_path, "now"}, environment);
    ASSERT_GT(probe.pid(), 0);
    const auto line = probe.read_line();
    EXPECT_EQ(probe.wait(), 0);
    const int64_t after_ns = realtime_ns();
    ASSERT_TRUE(line) << "the probe printed nothing";
    expect_readings(parse_readings(*line), before_ns, after_ns, monotonic_before_ns, clock_ns(CLOCK_MONOTONIC), 0);
  }

  fs::path directory_;
  std::string page_;
  std::optional<ClockControlFile> control_;
};

TEST_F(ClockShimTest, IdentityPageShowsRealTime) {
  expect_real_time(node_environment());
}

TEST_F(ClockShimTest, RunningProcessSeesEachChangeOnItsNextRead) {
  Child probe({probe_path, "serve"}, node_environment());
  ASSERT_GT(probe.pid(), 0);
  expect_probe_shows(probe, 0);
  set(skew_ns);
  expect_probe_shows(probe, skew_ns);
  ASSERT_TRUE(control_->reset());
  expect_probe_shows(probe, 0);
  set(-skew_ns);
  expect_probe_shows(probe, -skew_ns);
}

// The page is found when the library loads, not at the first clock read.
TEST_F(ClockShimTest, ProgramThatEmptiesItsEnvironmentStillSeesTheSkew) {
  set(skew_ns);
  const int64_t before_ns = realtime_ns();
  Child probe({probe_path, "clearenv"}, node_environment());
  ASSERT_GT(probe.pid(), 0);
  const auto line = probe.read_line();
  EXPECT_EQ(probe.wait(), 0);
  const int64_t after_ns = realtime_ns();
  ASSERT_TRUE(line);
  expect_between("realtime", parse_readings(*line).at("realtime"), before_ns, after_ns, skew_ns);
}

TEST_F(ClockShimTest, TaiClockIsSkewedToo) {
  set(skew_ns);
  const int64_t before_ns = clock_ns(CLOCK_TAI);
  Child probe({probe_path, "now"}, node_environment());
  const auto line = probe.read_line();
  const int64_t after_ns = clock_ns(CLOCK_TAI);
  ASSERT_TRUE(line);
  expect_between("tai", parse_readings(*line).at("tai"), before_ns, after_ns, skew_ns);
}

TEST_F(ClockShimTest, DateShowsTheSkew) {
  for (const int64_t offset_ns : {skew_ns, -skew_ns}) {
    set(offset_ns);
    const int64_t before_ns = realtime_ns();
    Child date({"date", "+%s%N"}, node_environment());
    ASSERT_GT(date.pid(), 0);
    const auto line = date.read_line();
    EXPECT_EQ(date.wait(), 0);
    const int64_t after_ns = realtime_ns();
    ASSERT_TRUE(line);
    expect_between("date", std::stoll(*line), before_ns, after_ns, offset_ns);
  }
}

TEST_F(ClockShimTest, RateTwoRunsTwiceAsFast) {
  Child probe({probe_path, "serve"}, node_environment());
  set(0, 2.0);
  ASSERT_TRUE(probe.write_line("now"));
  const auto first = probe.read_line();
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(probe.write_line("now"));
  const auto second = probe.read_line();
  ASSERT_TRUE(first && second);
  const Readings a = parse_readings(*first);
  const Readings b = parse_readings(*second);
  const double rate = static_cast<double>(b.at("realtime") - a.at("realtime")) /
                      static_cast<double>(b.at("monotonic") - a.at("monotonic"));
  EXPECT_GT(rate, 1.8);
  EXPECT_LT(rate, 2.2);
}

// The waits of clock_shim_probe, each for wait_ms from "now" on its clock.
class ClockShimDeadlineTest : public ClockShimTest, public ::testing::WithParamInterface<int64_t> {};

TEST_P(ClockShimDeadlineTest, DeadlinesFromTheSkewedClockLastTheirLength) {
  set(GetParam());
  Child probe({probe_path, "waits", std::to_string(wait_ms)}, node_environment());
  ASSERT_GT(probe.pid(), 0);
  std::string previous = "(none)";
  int waits = 0;
  while (true) {
    const auto line = probe.read_line(std::chrono::milliseconds(wait_ms_max * 2));
    ASSERT_TRUE(line) << "the probe hung after the wait " << previous;
    if (*line == "done") break;
    std::stringstream fields(*line);
    std::string word, name, result;
    int64_t elapsed_ms = 0;
    fields >> word >> name >> elapsed_ms >> result;
    EXPECT_EQ(result, "timeout") << name;
    EXPECT_GE(elapsed_ms, wait_ms_min) << name;
    EXPECT_LE(elapsed_ms, wait_ms_max) << name;
    previous = name;
    ++waits;
  }
  EXPECT_EQ(waits, 14);
  EXPECT_EQ(probe.wait(), 0);
}

INSTANTIATE_TEST_SUITE_P(AheadAndBehind, ClockShimDeadlineTest, ::testing::Values(skew_ns, -skew_ns),
                         [](const ::testing::TestParamInfo<int64_t>& skew) {
                           return skew.param > 0 ? std::string("Ahead") : std::string("Behind");
                         });

// Python's waits (3.11: time.sleep on an absolute MONOTONIC clock_nanosleep, locks and
// conditions with a timeout, select) under a +600 s skew; libfaketime made the first fail.
TEST_F(ClockShimTest, PythonWaitsLastTheirLengthAndTimeIsSkewed) {
  const std::string python = find_on_path("python3");
  FIREDRILL_REQUIRE(!python.empty(), "python3 on PATH");
  set(skew_ns);
  const char* script = R"(
import select, threading, time
def timed(name, wait):
    started = time.monotonic()
    wait()
    print(name, time.monotonic() - started, flush=True)
timed('sleep', lambda: time.sleep(0.3))
timed('event', lambda: threading.Event().wait(0.3))
def condition_wait():
    condition = threading.Condition()
    with condition:
        condition.wait(0.3)
timed('condition', condition_wait)
timed('select', lambda: select.select([], [], [], 0.2))
print('time', time.time_ns(), flush=True)
)";
  const int64_t before_ns = realtime_ns();
  Child child({python, "-c", script}, node_environment());
  ASSERT_GT(child.pid(), 0);
  const std::string output = child.read_all();
  EXPECT_EQ(child.wait(), 0) << output;
  const int64_t after_ns = realtime_ns();
  std::map<std::string, std::string> values;
  std::stringstream lines(output);
  std::string name, value;
  while (lines >> name >> value) values[name] = value;
  for (const auto& [wait, length_s] : std::map<std::string, double>{
           {"sleep", 0.3}, {"event", 0.3}, {"condition", 0.3}, {"select", 0.2}}) {
    ASSERT_TRUE(values.count(wait)) << wait << " missing from:\n" << output;
    const double elapsed_s = std::stod(values.at(wait));
    EXPECT_GE(elapsed_s, length_s - python_wait_s_slack_min) << wait;
    EXPECT_LE(elapsed_s, python_wait_s_max) << wait;
  }
  ASSERT_TRUE(values.count("time")) << output;
  expect_between("time.time_ns()", std::stoll(values.at("time")), before_ns, after_ns, skew_ns);
}

// A Python service whose background thread sleeps in a loop keeps ticking while its clock is moved
// ahead, behind and back, and shows each change at once.
TEST_F(ClockShimTest, PythonServiceKeepsWorkingAcrossChanges) {
  const std::string python = find_on_path("python3");
  FIREDRILL_REQUIRE(!python.empty(), "python3 on PATH");
  const char* script = R"(
import sys, threading, time
ticks = 0
def service():
    global ticks
    while True:
        time.sleep(0.02)
        threading.Event().wait(0.001)
        ticks += 1
threading.Thread(target=service, daemon=True).start()
for line in sys.stdin:
    print(ticks, time.time_ns(), flush=True)
)";
  Child service({python, "-c", script}, node_environment());
  ASSERT_GT(service.pid(), 0);
  int64_t ticks_before = -1;
  for (const int64_t offset_ns : {int64_t{0}, skew_ns, -skew_ns, int64_t{0}}) {
    if (offset_ns == 0) {
      ASSERT_TRUE(control_->reset());
    } else {
      set(offset_ns);
    }
    std::this_thread::sleep_for(300ms);
    const int64_t before_ns = realtime_ns();
    ASSERT_TRUE(service.write_line("now"));
    const auto line = service.read_line();
    const int64_t after_ns = realtime_ns();
    ASSERT_TRUE(line) << "the service did not answer";
    std::stringstream fields(*line);
    int64_t ticks = 0;
    int64_t now_ns = 0;
    fields >> ticks >> now_ns;
    // 300 ms of 20 ms ticks is 14 or so; a loaded machine gets fewer.
    if (ticks_before >= 0) {
      EXPECT_GE(ticks - ticks_before, 3) << "offset " << offset_ns / ns_per_s << " s";
    }
    expect_between("time.time_ns()", now_ns, before_ns, after_ns, offset_ns);
    ticks_before = ticks;
  }
  service.close_stdin();
  EXPECT_EQ(service.wait(), 0);
}

TEST_F(ClockShimTest, NodeProcessAcknowledgesAndWitnessDoesNot) {
  EXPECT_EQ(control_->seen().generation, 0u);
  set(skew_ns);
  const uint64_t generation = control_->generation();
  {
    Child node({probe_path, "now"}, node_environment());
    ASSERT_TRUE(node.read_line());
    ASSERT_EQ(node.wait(), 0);
    const ClockControlFile::Seen seen = control_->seen();
    EXPECT_EQ(seen.generation, generation);
    EXPECT_EQ(seen.pid, node.pid());
    EXPECT_EQ(seen.fake_ns - seen.real_ns, skew_ns);
  }
  set(2 * skew_ns);
  auto witness_environment = node_environment();
  witness_environment[clock_witness_env] = "1";
  const int64_t before_ns = realtime_ns();
  Child witness({probe_path, "now"}, witness_environment);
  const auto line = witness.read_line();
  const int64_t after_ns = realtime_ns();
  ASSERT_TRUE(line);
  ASSERT_EQ(witness.wait(), 0);
  // The witness shows the skew, but the acknowledgement is still the node's of the generation before.
  expect_between("witness realtime", parse_readings(*line).at("realtime"), before_ns, after_ns, 2 * skew_ns);
  EXPECT_EQ(control_->seen().generation, generation);
}

TEST_F(ClockShimTest, WithoutAUsablePageTheProgramRunsOnRealTime) {
  set(skew_ns);
  {
    SCOPED_TRACE("FIREDRILL_CLOCK_CONTROL unset");
    expect_real_time(node_environment(""));
  }
  {
    SCOPED_TRACE("missing file");
    expect_real_time(node_environment((directory_ / "missing.clock").string()));
  }
  {
    SCOPED_TRACE("bad magic");
    const fs::path bad = directory_ / "bad.clock";
    std::ofstream(bad) << std::string(clock_control_bytes, 'x');
    expect_real_time(node_environment(bad.string()));
  }
  {
    // Mapped as it is, an empty file would raise SIGBUS on the first read of the magic.
    SCOPED_TRACE("empty file");
    const fs::path empty = directory_ / "empty.clock";
    std::ofstream{empty};
    expect_real_time(node_environment(empty.string()));
  }
  {
    SCOPED_TRACE("short file with the magic");
    const fs::path short_page = directory_ / "short.clock";
    std::ofstream(short_page, std::ios::binary)
        .write(reinterpret_cast<const char*>(&clock_control_magic), sizeof clock_control_magic);
    expect_real_time(node_environment(short_page.string()));
  }
  {
    SCOPED_TRACE("a directory");
    expect_real_time(node_environment(directory_.string()));
  }
}

TEST_F(ClockShimTest, OpenChecksThePage) {
  auto opened = ClockControlFile::open(page_);
  ASSERT_TRUE(opened) << opened.status().message();
  EXPECT_EQ(opened->generation(), control_->generation());
  const fs::path bad = directory_ / "bad.clock";
  std::ofstream(bad) << std::string(clock_control_bytes, 'x');
  EXPECT_FALSE(ClockControlFile::open(bad.string()));
  EXPECT_FALSE(ClockControlFile::open((directory_ / "missing.clock").string()));
  EXPECT_FALSE(control_->set(0, 0.0));
  EXPECT_FALSE(control_->set(clock_offset_ns_max + 1, 1.0));
}

// The controller's proof that a node loaded the shim: its path in /proc/PID/maps.
std::string maps_of(pid_t pid) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::stringstream text;
  text << maps.rdbuf();
  return text.str();
}

TEST_F(ClockShimTest, MapsOfAPreloadedProcessShowTheShim) {
  Child probe({probe_path, "serve"}, node_environment());
  ASSERT_GT(probe.pid(), 0);
  expect_probe_shows(probe, 0);
  EXPECT_NE(maps_of(probe.pid()).find(fs::canonical(shim_path).string()), std::string::npos);
}

TEST_F(ClockShimTest, StaticProgramIsNotReached) {
  FIREDRILL_REQUIRE(!static_probe_path.empty(), "a toolchain that links static programs (g++ -static)");
  set(skew_ns);
  Child probe({static_probe_path, "serve"}, node_environment());
  ASSERT_GT(probe.pid(), 0);
  expect_probe_shows(probe, 0);
  EXPECT_EQ(maps_of(probe.pid()).find(fs::canonical(shim_path).string()), std::string::npos);
}

}  // namespace
}  // namespace firedrill
