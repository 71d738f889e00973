// `firedrill run`; see run_command.h.
#include "cli/run_command.h"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <variant>

#include "cli/exit_codes.h"
#include "cli/score_command.h"
#include "fault/fault_kinds.h"
#include "lab/lab.h"
#include "live/live_server.h"
#include "net/http.h"
#include "net/listening_socket.h"
#include "plan/plan.h"
#include "runner/drill_runner.h"
#include "scenario/scenario.h"
#include "live/stop_token.h"

namespace firedrill {
namespace {

// runs/<name>-<UTC time>, or `out` when given.
Result<std::string> make_run_dir(const std::string& out, const std::string& name) {
  std::string dir = out;
  if (dir.empty()) {
    std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", std::gmtime(&now));
    dir = "runs/" + name + "-" + stamp;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::error("run directory " + dir + ": " + ec.message());
  return std::filesystem::absolute(dir).string();
}


// The default game day: scenarios/gameday.toml of the source tree this binary was built from.
std::string default_scenario() { return std::string(FIREDRILL_SOURCE_DIR) + "/scenarios/gameday.toml"; }

// The live page's socket, opened before the lab takes the controller into a network namespace of
// its own (the page is for the people in the user's network).
Result<ListeningSocket> open_live_socket(const std::string& address) {
  auto host_port = parse_host_port(address);
  if (!host_port) return Status::error("--live " + address + ": " + host_port.status().message());
  return open_listening_socket(host_port->first, host_port->second);
}

LiveStopAnswer stop_answer(StopSwitch::Outcome outcome) {
  switch (outcome) {
    case StopSwitch::Outcome::stopping: return LiveStopAnswer::stopping;
    case StopSwitch::Outcome::already: return LiveStopAnswer::already_stopping;
    case StopSwitch::Outcome::drill_over: break;
  }
  return LiveStopAnswer::drill_over;
}

// The signals that end the page's lingering after the verdict: blocked from the drill's end on
// and waited for, since as the lab's PID 1 the controller would drop them (it has no handler for
// them once the drill's is gone).
sigset_t lingering_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set, sig);
  return set;
}

// After the verdict the page stays up a while with the reports: until `seconds` pass or one of
// lingering_signals() arrives (blocked since the drill ended, so none is lost meanwhile).
void linger(double seconds, const std::string& url) {
  if (seconds <= 0) return;
  std::cout << "live page: the verdict and the reports stay at " << url << " for " << seconds
            << " s (Ctrl-C ends this)" << std::endl;
  const sigset_t ending = lingering_signals();
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    const double left = std::chrono::duration<double>(until - std::chrono::steady_clock::now()).count();
    if (left <= 0) return;
    const double whole = std::floor(left);
    timespec wait{static_cast<time_t>(whole), static_cast<long>((left - whole) * 1e9)};
    if (sigtimedwait(&ending, nullptr, &wait) >= 0 || errno != EINTR) return;  // a signal, or the time is up
  }
}

// What the user's process prepares before the lab: the scenario, its plan, the run directory.
struct Prepared {
  Scenario scenario;
  Plan plan;
  std::string run_dir;
};

// The prepared drill, or the exit code of why not.
std::variant<Prepared, int> prepare(RunArguments& args) {
  if (args.scenario.empty()) {
    args.scenario = default_scenario();
    std::cout << "firedrill: no scenario given: running the default game day " << args.scenario << std::endl;
  }
  auto loaded = load_scenario(args.scenario, builtin_fault_kinds().catalog());
  if (auto* errors = std::get_if<Diagnostics>(&loaded)) {
    std::cerr << errors->text();
    return kExitInvalidScenario;
  }
  Scenario& scenario = std::get<Scenario>(loaded);
  Plan plan = make_plan(scenario, args.seed ? static_cast<uint64_t>(*args.seed) : scenario.drill.seed);
  if (args.clock_shim_everywhere) {
    plan.clock_shim_nodes.clear();
    for (const auto& n : scenario.system.nodes) plan.clock_shim_nodes.push_back(n.name);
  }
  auto run_dir = make_run_dir(args.out, scenario.drill.name);
  std::error_code ec;
  if (run_dir && run_dir->rfind("/dev/shm", 0) == 0) {
    run_dir = Status::error("run directory " + *run_dir + ": not under /dev/shm (the lab mounts its own /dev/shm)");
  }
  if (!run_dir) {
    std::cerr << "firedrill: " << run_dir.status().message() << "\n";
    return kExitUsage;
  }
  // A reused run directory: the old run's timeline and run.json go now, before anything (the live
  // page) could read them as this run's; the drill writes both anew.
  for (const char* stale : {"/timeline.jsonl", "/run.json"}) std::filesystem::remove(*run_dir + stale, ec);
  std::ofstream(*run_dir + "/scenario.toml", std::ios::binary) << scenario.text;
  std::ofstream(*run_dir + "/plan.txt") << plan.text();
  return Prepared{std::move(scenario), std::move(plan), *run_dir};
}

}  // namespace

std::string executable_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "." : exe.parent_path().string();
}

int run_command(RunArguments args) {
  auto prepared = prepare(args);
  if (auto* exit_code = std::get_if<int>(&prepared)) return *exit_code;
  const auto& [scenario, plan, run_dir] = std::get<Prepared>(prepared);
  std::optional<ListeningSocket> live_socket;
  if (args.live) {
    auto socket = open_live_socket(*args.live);
    if (!socket) {
      std::cerr << "firedrill: live page: " << socket.status().message() << "\n";
      return kExitUsage;
    }
    live_socket = std::move(*socket);
  }
  std::cout << "firedrill: drill " << scenario.drill.name << ", seed " << plan.seed << ", run directory " << run_dir
            << std::endl;
  // A drill on hosts builds no lab: the controller reaches the hosts from where it runs.
  auto lab = scenario.system.on_hosts() ? Result<LabInfo>(LabInfo{}) : enter_lab();  // from here on we are the lab's init
  if (!lab) {
    std::cerr << "firedrill: cannot build the lab: " << lab.status().message() << "\n";
    return kExitInconclusive;
  }
  StopSwitch stop_switch;
  std::unique_ptr<LiveServer> live;
  if (live_socket) {
    const StopToken token = StopToken::generate();
    live = std::make_unique<LiveServer>(
        std::move(*live_socket),
        LiveOptions{run_dir, scenario.drill.name, token,
                    [&stop_switch](const std::string& why) { return stop_answer(stop_switch.request(why)); }});
    std::cout << "live page: " << live->url() << "\nlive page stop token: " << token.text() << std::endl;
  }
  RunOptions options{.run_dir = run_dir, .bin_dir = executable_dir(), .subnet = args.subnet, .progress = !args.quiet,
                     .stop_switch = &stop_switch};
  run_drill(scenario, plan, options);
  stop_switch.disconnect();  // also when the drill never started
  if (live) {
    const sigset_t ending = lingering_signals();
    pthread_sigmask(SIG_BLOCK, &ending, nullptr);
  }
  // The verdict comes from the run directory alone, exactly as `firedrill score` would give it.
  bool scored = false;
  OnScored show_live;
  if (live) {
    show_live = [&](const auto& report, const auto& chart, const auto& events) {
      scored = true;
      live->finish(report, chart, events);
    };
  }
  int verdict = score_run(run_dir, args.sign_key, show_live);
  if (live && !scored) live->end_unscored("the run directory could not be scored: see the controller's terminal");
  if (live) linger(args.live_linger_s, live->url());
  if (verdict != 0 || args.baseline.empty()) return verdict;
  std::cout << "comparing with the baseline " << args.baseline << ":\n";
  return compare_files(args.baseline, run_dir + "/report.json", args.tolerance);
}

}  // namespace firedrill
