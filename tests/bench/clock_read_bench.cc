// Benchmark: the cost of one wall-clock read in a node's process, natively, under the clock shim
// (libfiredrill-clock.so, skewed +600 s) and under libfaketime 0.9.10 as clock.skew used it
// (FAKETIME_NO_CACHE=1, FAKETIME_DONT_FAKE_MONOTONIC=1) and with its default cache; and whether
// Python's time.sleep(0.3) still sleeps 0.3 s under each. The figures of faults/clock/README.md.
//
// The program re-executes itself (--child) in each configuration's environment; the child prints
// ns per clock_gettime(CLOCK_REALTIME) and per std::chrono::system_clock::now() (the median of
// --rounds rounds of --round-ms each) and the wall-clock time it shows. Target: a skewed read under
// the shim costs < 60 ns.
//   clock_read_bench [--rounds N] [--round-ms MS] [--libfaketime PATH]
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "lab/clock/clock_control_file.h"

extern char** environ;

using namespace firedrill;
namespace fs = std::filesystem;

namespace {

constexpr int64_t ns_per_s = 1'000'000'000;
constexpr int64_t ns_per_ms = 1'000'000;
constexpr int64_t skew_s = 600;
// Reads between two looks at the monotonic clock while timing a round.
constexpr int reads_per_batch = 1'000;
constexpr double shim_read_ns_target = 60.0;
// The longest a child may run (a round of libfaketime without its cache reads ~30,000 times).
constexpr int child_s_max = 120;
constexpr const char* default_libfaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
constexpr const char* python_sleep_script =
    "import time\nstarted = time.monotonic()\ntime.sleep(0.3)\nprint('%.3f s' % (time.monotonic() - started))\n";

int64_t clock_ns(clockid_t clock) {
  timespec now{};
  clock_gettime(clock, &now);
  return int64_t{now.tv_sec} * ns_per_s + now.tv_nsec;
}

// The median over `rounds` of the ns per call of `read`, each round lasting `round_ms`.
template <typename Read>
double ns_per_read(Read read, int rounds, int64_t round_ms) {
  std::vector<double> samples;
  for (int round = 0; round < rounds; ++round) {
    const int64_t started_ns = clock_ns(CLOCK_MONOTONIC);
    int64_t reads = 0;
    int64_t now_ns = started_ns;
    while (now_ns - started_ns < round_ms * ns_per_ms) {
      for (int i = 0; i < reads_per_batch; ++i) read();
      reads += reads_per_batch;
      now_ns = clock_ns(CLOCK_MONOTONIC);
    }
    samples.push_back(static_cast<double>(now_ns - started_ns) / static_cast<double>(reads));
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

// The child: measures in whatever environment it was started with.
int child_main(int rounds, int64_t round_ms) {
  // Keeps the reads from being optimized away; unsigned, so that its sum may wrap.
  uint64_t sink = 0;
  const double clock_gettime_ns = ns_per_read(
      [&] {
        timespec now{};
        clock_gettime(CLOCK_REALTIME, &now);
        sink += static_cast<uint64_t>(now.tv_nsec);
      },
      rounds, round_ms);
  const double system_clock_ns = ns_per_read(
      [&] { sink += static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()); }, rounds,
      round_ms);
  std::printf("clock_gettime_ns=%.2f system_clock_ns=%.2f realtime_ns=%lld sink=%lld\n", clock_gettime_ns,
              system_clock_ns, static_cast<long long>(clock_ns(CLOCK_REALTIME)), static_cast<long long>(sink & 1u));
  return 0;
}

// Runs argv with `environment` (added to this process's); its stdout and stderr, and its exit code.
struct Ran {
  int exit_code = -1;
  std::string output;
};

Ran run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& environment) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const auto equals = text.find('=');
    if (equals != std::string::npos) merged[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [name, value] : environment) merged[name] = value;
  std::vector<std::string> entries;
  for (const auto& [name, value] : merged) entries.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : entries) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<char*> arguments;
  for (const auto& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
  arguments.push_back(nullptr);

  Ran ran;
  int output[2];
  if (pipe2(output, O_CLOEXEC) != 0) return ran;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, output[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output[1], STDERR_FILENO);
  pid_t pid = -1;
  const int error = posix_spawnp(&pid, arguments[0], &actions, nullptr, arguments.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(output[1]);
  if (error != 0) {
    close(output[0]);
    ran.output = std::string("spawn failed: ") + std::strerror(error);
    return ran;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(child_s_max);
  char chunk[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd ready{output[0], POLLIN, 0};
    if (poll(&ready, 1, 1'000) <= 0) continue;
    const ssize_t got = read(output[0], chunk, sizeof chunk);
    if (got <= 0) break;
    ran.output.append(chunk, static_cast<std::size_t>(got));
  }
  close(output[0]);
  kill(pid, SIGKILL);  // only if it outlived child_s_max; reaped below either way
  int status = 0;
  waitpid(pid, &status, 0);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return ran;
}

// The value of `name=` in `text`, or -1.
double field(const std::string& text, const std::string& name) {
  const auto at = text.find(name + "=");
  if (at == std::string::npos) return -1;
  return std::atof(text.c_str() + at + name.size() + 1);
}

// The last non-empty line of `text` (Python's error, when it raised).
std::string last_line(const std::string& text) {
  std::stringstream lines(text);
  std::string line;
  std::string last;
  while (std::getline(lines, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

struct Configuration {
  std::string name;
  std::map<std::string, std::string> environment;
  bool skewed = false;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"clock read cost: native, the clock shim, libfaketime"};
  int rounds = 5;
  int64_t round_ms = 200;
  bool child = false;
  std::string libfaketime = default_libfaketime;
  app.add_option("--rounds", rounds)->check(CLI::Range(1, 100));
  app.add_option("--round-ms", round_ms)->check(CLI::Range(10, 10'000));
  app.add_option("--libfaketime", libfaketime, "libfaketime.so.1 to compare with");
  app.add_flag("--child", child)->group("");
  CLI11_PARSE(app, argc, argv);
  if (child) return child_main(rounds, round_ms);

  const fs::path directory = fs::temp_directory_path() / ("clock-read-bench-" + std::to_string(getpid()));
  fs::create_directories(directory);
  const std::string page = (directory / "node.clock").string();
  auto control = ClockControlFile::create(page);
  if (!control) {
    std::fprintf(stderr, "%s\n", control.status().message().c_str());
    return 1;
  }
  if (Status set = control->set(skew_s * ns_per_s, 1.0); !set) {
    std::fprintf(stderr, "%s\n", set.message().c_str());
    return 1;
  }
  const std::string faketime_file = (directory / "faketime").string();
  std::ofstream(faketime_file) << "+" << skew_s << "\n";

  std::map<std::string, std::string> common;
#if defined(__SANITIZE_ADDRESS__)
  // In a FIREDRILL_SANITIZE build the preloaded library comes before the ASan runtime, which then
  // refuses to start unless told not to check (the figures of such a build are not comparable).
  common["ASAN_OPTIONS"] = "verify_asan_link_order=0";
#endif
  std::vector<Configuration> configurations;
  configurations.push_back({"native", common, false});
  auto shim = common;
  shim["LD_PRELOAD"] = FIREDRILL_CLOCK_SHIM;
  shim[clock_control_env] = page;
  configurations.push_back({"firedrill clock shim", shim, true});
  const bool have_libfaketime = fs::exists(libfaketime);
  auto faketime = common;
  faketime["LD_PRELOAD"] = libfaketime;
  faketime["FAKETIME_TIMESTAMP_FILE"] = faketime_file;
  faketime["FAKETIME_DONT_FAKE_MONOTONIC"] = "1";
  auto faketime_no_cache = faketime;
  faketime_no_cache["FAKETIME_NO_CACHE"] = "1";
  configurations.push_back({"libfaketime NO_CACHE=1", faketime_no_cache, true});
  configurations.push_back({"libfaketime default cache", faketime, true});

  const std::string self = fs::read_symlink("/proc/self/exe").string();
  const char* python = "python3";
  std::printf("clock read cost: ns per call, median of %d rounds of %lld ms; skew +%lld s; %s\n", rounds,
              static_cast<long long>(round_ms), static_cast<long long>(skew_s), libfaketime.c_str());
  std::printf("%-28s %14s %6s %14s %6s %10s  %s\n", "configuration", "clock_gettime", "ratio", "system_clock", "ratio",
              "offset s", "python time.sleep(0.3)");
  double native_clock_gettime_ns = 0;
  double native_system_clock_ns = 0;
  double shim_clock_gettime_ns = -1;
  for (const auto& configuration : configurations) {
    if (configuration.environment.count("FAKETIME_TIMESTAMP_FILE") && !have_libfaketime) {
      std::printf("%-28s %s is not installed\n", configuration.name.c_str(), libfaketime.c_str());
      continue;
    }
    const Ran measured = run({self, "--child", "--rounds", std::to_string(rounds), "--round-ms",
                              std::to_string(round_ms)},
                             configuration.environment);
    const double clock_gettime_ns = field(measured.output, "clock_gettime_ns");
    const double system_clock_ns = field(measured.output, "system_clock_ns");
    // The child's last reading against ours after it: the skew it showed, to the second.
    const long long offset_s =
        std::llround((field(measured.output, "realtime_ns") - static_cast<double>(clock_ns(CLOCK_REALTIME))) / 1e9);
    const Ran slept = run({python, "-c", python_sleep_script}, configuration.environment);
    const std::string python_result =
        slept.exit_code == 0 ? last_line(slept.output) : "fails: " + last_line(slept.output);
    if (measured.exit_code != 0 || clock_gettime_ns < 0) {
      std::printf("%-28s failed (exit %d): %s\n", configuration.name.c_str(), measured.exit_code,
                  last_line(measured.output).c_str());
      continue;
    }
    if (configuration.name == "native") {
      native_clock_gettime_ns = clock_gettime_ns;
      native_system_clock_ns = system_clock_ns;
    }
    if (configuration.name == "firedrill clock shim") shim_clock_gettime_ns = clock_gettime_ns;
    std::printf("%-28s %14.1f %6.1f %14.1f %6.1f %10lld  %s\n", configuration.name.c_str(), clock_gettime_ns,
                clock_gettime_ns / native_clock_gettime_ns, system_clock_ns, system_clock_ns / native_system_clock_ns,
                offset_s, python_result.c_str());
  }
  std::printf("\n%-40s %8s %10s %8s\n", "figure", "target", "measured", "ratio");
  if (shim_clock_gettime_ns >= 0) {
    std::printf("%-40s %8s %10.1f %8.2f\n", "shim skewed clock_gettime (ns)", "< 60", shim_clock_gettime_ns,
                shim_clock_gettime_ns / shim_read_ns_target);
  }
  fs::remove_all(directory);
  return shim_clock_gettime_ns >= 0 ? 0 : 1;
}
