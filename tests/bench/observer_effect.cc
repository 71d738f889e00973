// Benchmark: the lab's observer effect. "The lab must not change the system it measures": the same
// system at the same offered rate is driven three times by the same client (PaymentWorkload, same
// seed, accounts, timeout, duration and payment contract, all from one generated scenario file):
//   loopback  its nodes started on loopback addresses outside any lab, the workload in this process
//             writing its own timeline;
//   lab       `firedrill run SCENARIO --quiet --out DIR`, the scenario having no [[fault]];
//   lab+shim  the same with --clock-shim-everywhere (the clock shim preloaded into every node, no
//             skew);
//   lab+scrape the same with [detection] prometheus = true: the drill's Prometheus scrapes every
//             node at the definition's scrape_interval and Alertmanager runs beside it (systems
//             whose definition has [monitoring] only). Its runs also give the monitoring's
//             bring-up: from Prometheus's start to the health gate (every node scraped once).
// Throughput (ok/s) and p50 / p99 latency of acknowledged payments are computed by one function
// from each run's timeline.jsonl, over the fault phase (after the baseline; for loopback the same
// warm-up), and the lab's are printed as ratios to loopback's, for refpay (sample-system/) and
// minipay (tests/data/minipay/). Targets: refpay ok/s >= 0.95 x loopback and p99 <= 1.2 x;
// minipay ok/s >= 0.90 x. Not a test: a missed target is a figure to read. The three variants run
// --rounds times (3) and the ratios are of the medians: identical loopback runs differ by 1.3-2.5x
// in p99, which one round cannot tell from the lab. A run during which other programs kept the
// CPU busy (a shared 2-core machine) is marked, and counted in its own row.
//   observer_effect_bench [--system refpay|minipay|all] [--rate N] [--seconds N] [--warmup N]
//                         [--rounds N] [--work-dir DIR] [--loopback-data DIR] [--keep]
// Needs root (the lab); minipay needs /usr/bin/python3. tests/bench/README.md says what each
// figure means.
//
// The loopback nodes are started from the system definition itself, exactly as the runner renders
// them (harness/runner/render.h) and with the environment the lab gives a node without the shim,
// by the runner's own Supervisor; only the address (127.A.B.N instead of a namespace behind a veth)
// and the data directory differ. By default their data is on tmpfs (/dev/shm), as the lab's
// volumes are, so that the ratios show the lab's network and controller, not fsync.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/limits.h"
#include "fault/fault_kinds.h"
#include "net/http.h"
#include "plan/plan.h"
#include "runner/alert_receiver.h"
#include "runner/render.h"
#include "scenario/scenario.h"
#include "scoring/scorer.h"
#include "supervision/supervisor.h"
#include "testing/read_file.h"
#include "timeline/timeline.h"
#include "workload/payment_workload.h"

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace firedrill;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// The timeline records that bound the measurement window: the runner's phase records
// (runner/phase.cc), which the loopback run writes too.
constexpr const char* kWindowStartPhase = "faults";
constexpr const char* kWindowEndPhase = "heal";
// The alert receiver's port, as the runner's (runner/lab_wiring.h kAlertPort): refpay's arbiter posts
// its alerts there on loopback too.
constexpr uint16_t kAlertPort = 9093;
// The environment the lab gives every node (scenarios/README.md, "What the lab adds to a node"),
// before the node's own; the shim's variables are the lab+shim variant's difference.
constexpr const char* kNodePath = "/usr/local/bin:/usr/bin:/bin";
// Health probes while waiting for the loopback system to come up.
constexpr milliseconds kProbeInterval{100};
constexpr milliseconds kProbeTimeout{250};
// After the window, the workload drains (each request has its timeout); then this much more.
constexpr milliseconds kDrainSlack{2'000};
// The CPU sampler's period. A sample reads /proc/PID/stat of every process (about 1 ms of CPU for
// 80 processes), on a thread at nice 19, so that the sampler costs the client of the loopback run
// (this process) next to nothing; a 10 s window still holds 19 periods.
constexpr milliseconds kCpuSamplePeriod{500};
constexpr int kCpuSamplerNice = 19;
// A run during which more than this many cores were busy outside this benchmark's process tree
// shared the CPU with something else: its figures are marked (a 2-core machine running another
// build or test measured tails 10-20x worse).
constexpr double kOtherCoresMax = 0.3;
// minipay.toml.in's token for the script's absolute path (tests/harness/cli/own_service_test.cc).
constexpr const char* kMinipayToken = "@MINIPAY_PY@";
constexpr const char* kPython = "/usr/bin/python3";
// The workload's accounts and request timeout in every variant (the scenario's [workload]).
constexpr int64_t kAccounts = 64;
constexpr const char* kTimeout = "1s";

// What one run measured over its window, from its timeline.
struct Figures {
  double window_s = 0;
  int64_t sent = 0;  // invoke records (first attempts and retries)
  int64_t ok = 0;
  int64_t fail = 0;
  int64_t unknown = 0;
  double ok_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  // The window in wall-clock time (the timeline's UTC anchor + its t_ns), to line it up with the
  // host CPU samples.
  double window_start_unix_s = 0;
  double window_end_unix_s = 0;
  double cpu_host_cores = -1;  // cores busy on the host during the window (-1: no samples)
  double cpu_tree_cores = -1;  // of which this benchmark's process tree (nodes, client, controller)
  // With the drill's Prometheus: from its start to the baseline (the health gate passed: every
  // node scraped once), in s; -1 without.
  double monitoring_bring_up_s = -1;
};

// Nearest-rank percentile p in (0, 1] of `values_ns` (sorted), in ms, as PaymentWorkload::window().
double percentile_ms(const std::vector<int64_t>& values_ns, double p) {
  if (values_ns.empty()) return 0;
  const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(p * static_cast<double>(values_ns.size()))));
  return static_cast<double>(values_ns[rank - 1]) / 1e6;
}

// "2026-12-04T10:11:12.345678Z" (Timeline's anchor) → seconds since the Unix epoch.
std::optional<double> unix_s_of(const std::string& utc) {
  std::tm tm{};
  long micros = 0;
  if (std::sscanf(utc.c_str(), "%d-%d-%dT%d:%d:%d.%ldZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &micros) != 7) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm)) + static_cast<double>(micros) / 1e6;
}

std::string string_field(const boost::json::object& record, const char* key) {
  const boost::json::value* v = record.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// THE measurement, the same for every variant: reads DIR/timeline.jsonl as `firedrill score` does
// (read_run_dir: the workload's records as WorkloadRecords), takes the window from the `faults`
// phase record to the `heal` one, and counts the workload's records stamped inside it: attempts
// sent, completions by outcome, and the latencies of the `ok` ones (acknowledged payments).
Result<Figures> measure(const std::string& dir) {
  auto data = read_run_dir(dir);
  if (!data) return data.status();
  std::optional<int64_t> from_ns, to_ns, prometheus_ns, baseline_ns;
  std::optional<double> anchor_unix_s;
  for (const boost::json::object& r : data->timeline) {
    if (string_field(r, "kind") == "start" && !anchor_unix_s) anchor_unix_s = unix_s_of(string_field(r, "utc"));
    if (string_field(r, "source") == SupervisorStarted::source && string_field(r, "kind") == SupervisorStarted::kind &&
        string_field(r, "node") == "prometheus" && !prometheus_ns) {
      prometheus_ns = r.at("t_ns").to_number<int64_t>();
    }
    if (string_field(r, "source") != HarnessPhase::source || string_field(r, "kind") != HarnessPhase::kind) continue;
    const std::string phase = string_field(r, "phase");
    const boost::json::value* t = r.if_contains("t_ns");
    if (!t || !t->is_int64()) continue;
    if (phase == kWindowStartPhase && !from_ns) from_ns = t->as_int64();
    if (phase == "baseline" && !baseline_ns) baseline_ns = t->as_int64();
    if (phase == kWindowEndPhase && from_ns && !to_ns) to_ns = t->as_int64();
  }
  if (!from_ns || !to_ns || *to_ns <= *from_ns) {
    return Status::error(dir + "/timeline.jsonl: no fault phase (no '" + std::string(kWindowStartPhase) +
                         "' then '" + kWindowEndPhase + "' phase record): the run ended before it");
  }
  Figures f;
  f.window_s = static_cast<double>(*to_ns - *from_ns) / 1e9;
  std::vector<int64_t> latencies_ns;
  for (const WorkloadRecord& w : data->workload) {
    if (!(w.flags & WorkloadRecord::has_t) || w.t_ns < *from_ns || w.t_ns >= *to_ns) continue;
    switch (w.kind) {
      case WorkloadRecord::invoke: ++f.sent; break;
      case WorkloadRecord::ok:
        ++f.ok;
        if (w.flags & WorkloadRecord::has_latency) latencies_ns.push_back(w.value);
        break;
      case WorkloadRecord::fail: ++f.fail; break;
      case WorkloadRecord::unknown: ++f.unknown; break;
      default: break;
    }
  }
  std::sort(latencies_ns.begin(), latencies_ns.end());
  f.ok_per_s = static_cast<double>(f.ok) / f.window_s;
  f.p50_ms = percentile_ms(latencies_ns, 0.50);
  f.p99_ms = percentile_ms(latencies_ns, 0.99);
  if (prometheus_ns && baseline_ns) f.monitoring_bring_up_s = static_cast<double>(*baseline_ns - *prometheus_ns) / 1e9;
  if (anchor_unix_s) {
    f.window_start_unix_s = *anchor_unix_s + static_cast<double>(*from_ns) / 1e9;
    f.window_end_unix_s = *anchor_unix_s + static_cast<double>(*to_ns) / 1e9;
  }
  return f;
}

// CPU use, sampled from /proc on its own thread while the benchmark runs, so that each run's
// window can be given the cores busy during it: on the whole host (/proc/stat: the system, the
// client, the controller and anything else on the machine), and in this process's tree (this
// process, its nodes, `firedrill run` and everything it started, lab or not: /proc/PID/stat).
// The difference is what else ran on the machine meanwhile.
class CpuSampler {
 public:
  CpuSampler() : thread_([this] { loop(); }) {}
  ~CpuSampler() {
    stop_ = true;
    thread_.join();
  }
  CpuSampler(const CpuSampler&) = delete;
  CpuSampler& operator=(const CpuSampler&) = delete;

  struct Busy {
    double host_cores = -1;  // -1: no samples around the window
    double tree_cores = -1;
  };
  // Cores busy on average between two wall-clock times (Unix seconds), from the first sample at
  // or after the start to the last one at or before the end: inside the window every process of
  // the run is alive (a process's ticks leave the tree's sum with it, and loopback's nodes are
  // killed right after the window).
  Busy busy(double from_unix_s, double to_unix_s) const {
    std::lock_guard lock(mutex_);
    const Sample* first = nullptr;
    const Sample* last = nullptr;
    for (const Sample& s : samples_) {
      if (s.unix_s >= from_unix_s && !first) first = &s;
      if (s.unix_s <= to_unix_s) last = &s;
    }
    if (!first || !last || last->unix_s <= first->unix_s) return {};
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK)) * (last->unix_s - first->unix_s);
    const double cores = static_cast<double>(std::thread::hardware_concurrency());
    return {cores - static_cast<double>(last->idle - first->idle) / ticks,
            static_cast<double>(last->tree - first->tree) / ticks};
  }

 private:
  struct Sample {
    double unix_s;
    // Clock ticks of all CPUs idle (idle + iowait). Busy is the rest of the wall-clock time: the
    // kernel measures idle time exactly, but counts the busy fields by sampling at ticks, which
    // misses short bursts of work on a tickless kernel (a lightly loaded host reads near 0).
    int64_t idle;
    int64_t tree;  // user + system ticks of this process and its descendants alive now (exact)
  };

  // utime + stime of every descendant of this process (and itself), from /proc/PID/stat. A
  // process that exits between two samples takes its ticks with it; the nodes live throughout.
  static int64_t tree_ticks() {
    std::map<int, std::pair<int, int64_t>> processes;  // pid → (ppid, ticks)
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream in(entry.path() / "stat");
      std::string line;
      if (!std::getline(in, line)) continue;
      const auto paren = line.rfind(')');  // the command name may hold spaces and parentheses
      if (paren == std::string::npos) continue;
      std::istringstream fields(line.substr(paren + 2));
      std::string state;
      int ppid = 0;
      int64_t skip = 0, utime = 0, stime = 0;
      fields >> state >> ppid;
      for (int i = 0; i < 9; ++i) fields >> skip;  // pgrp .. cmajflt
      if (!(fields >> utime >> stime)) continue;
      processes[std::stoi(name)] = {ppid, utime + stime};
    }
    const int self = static_cast<int>(getpid());
    int64_t ticks = 0;
    for (const auto& [pid, process] : processes) {
      for (int p = pid, hops = 0; p > 1 && hops < 64; ++hops) {
        if (p == self) {
          ticks += process.second;
          break;
        }
        auto it = processes.find(p);
        if (it == processes.end()) break;
        p = it->second.first;
      }
    }
    return ticks;
  }

  void loop() {
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kCpuSamplerNice);  // this thread only (Linux)
    while (!stop_) {
      std::ifstream stat("/proc/stat");
      std::string cpu;
      int64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0;
      if (stat >> cpu >> user >> nice >> system >> idle >> iowait) {
        const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
        const int64_t tree = tree_ticks();  // about 1 ms after `now` (/proc holds ~80 processes)
        std::lock_guard lock(mutex_);
        samples_.push_back(Sample{now, idle + iowait, tree});
      }
      // Short sleeps, so that the destructor does not wait a whole period.
      for (auto slept = milliseconds(0); slept < kCpuSamplePeriod && !stop_; slept += milliseconds(50)) {
        std::this_thread::sleep_for(milliseconds(50));
      }
    }
  }

  mutable std::mutex mutex_;
  std::vector<Sample> samples_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Waits until every node with a health URL answers 2xx (as the runner's wait_healthy), within
// the largest ready_timeout, or until a node exits.
Status wait_healthy(asio::io_context& io, const SystemDefinition& system, const std::map<std::string, std::string>& health_urls,
                    const std::string& exited) {
  milliseconds limit{0};
  for (const auto& n : system.nodes) limit = std::max(limit, n.ready_timeout);
  struct Probe {
    std::unique_ptr<HttpClient> client;
    std::string target;
    bool pending = false;
    bool healthy = false;
  };
  // Shared with the callbacks: a probe still pending when this returns early stays valid.
  std::map<std::string, std::shared_ptr<Probe>> probes;
  for (const auto& [node, url] : health_urls) {
    auto host_port = parse_host_port(url);
    if (!host_port) return host_port.status().with_context("node " + node + " health_url");
    const auto scheme = url.find("://");
    const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    probes[node] = std::make_shared<Probe>(Probe{std::make_unique<HttpClient>(io, host_port->first, host_port->second, 1),
                                                 slash == std::string::npos ? "/" : url.substr(slash)});
  }
  const auto deadline = Clock::now() + limit;
  while (true) {
    bool all = true;
    for (auto& [node, probe] : probes) {
      all = all && probe->healthy;
      if (probe->healthy || probe->pending) continue;
      probe->pending = true;
      probe->client->request("GET", probe->target, "", kProbeTimeout, [probe](HttpResult r) {
        probe->pending = false;
        probe->healthy = r.ok() && r.status >= 200 && r.status < 300;
      });
    }
    if (all) break;
    if (!exited.empty()) return Status::error(exited + " before the system was healthy");
    if (Clock::now() > deadline) return Status::error("not healthy within " + std::to_string(limit.count()) + " ms");
    io.run_for(kProbeInterval);
  }
  // Let the last probes' connections close before the clients go.
  for (auto& [node, probe] : probes) probe->client->close();
  io.run_for(milliseconds(10));
  return Status::ok();
}

// Variant (a): runs `scenario`'s system on loopback, outside any lab, and drives it with the
// workload for the baseline (warm-up) and the fault phase, writing DIR/timeline.jsonl with the
// runner's phase records. Node logs go to DIR/logs, data to DATA_ROOT/NODE.
Status run_loopback(const Scenario& scenario, const Plan& plan, const std::string& bin_dir, const std::string& dir,
                    const std::string& data_root) {
  std::error_code ec;
  fs::create_directories(dir + "/logs", ec);
  asio::io_context io;
  auto work = asio::make_work_guard(io);  // run_for() waits its whole duration
  auto timeline = Timeline::create(dir + "/timeline.jsonl", HarnessStart{.scenario = scenario.drill.name});
  if (!timeline) return timeline.status();
  std::string exited;  // the first node that exited by itself
  Supervisor supervisor(io, [&](const ProcessEvent& e) {
    if (e.kind == ProcessEvent::Kind::exited && !e.expected && exited.empty()) exited = "node " + e.name + " exited";
  });
  // 127.A.B.0/24 from the process id: the refpay ledgers all listen on port 7001.
  const int pid = static_cast<int>(getpid());
  const std::string prefix = "127." + std::to_string(1 + pid % 250) + "." + std::to_string(1 + (pid / 250) % 250) + ".";
  RenderInputs inputs;
  inputs.bin_dir = bin_dir;
  inputs.controller_address = prefix + "1";
  inputs.alert_url = "http://" + inputs.controller_address + ":" + std::to_string(kAlertPort) + "/alerts";
  inputs.parameters = scenario.system_parameters;
  inputs.accounts = scenario.workload.accounts;
  inputs.backup_store = dir + "/backup-store";
  int host = 2;
  for (const NodeDefinition& n : scenario.system.nodes) {
    inputs.addresses[n.name] = prefix + std::to_string(host++);
    inputs.data_dirs[n.name] = data_root + "/" + n.name;
    fs::create_directories(inputs.data_dirs[n.name], ec);
    fs::create_directories(inputs.backup_store + "/" + n.name, ec);
  }
  AlertReceiver receiver(io, **timeline);
  if (Status s = receiver.listen(inputs.controller_address, kAlertPort); !s) return s.with_context("alert receiver");
  auto shared = shared_values(scenario.system, inputs);
  if (!shared) return shared.status();
  std::map<std::string, std::string> health_urls;
  for (const NodeDefinition& n : scenario.system.nodes) {
    const Values values = node_values(*shared, n.name, inputs);
    ProcessSpec spec;
    spec.name = n.name;
    for (const std::string& arg : n.command) {
      auto rendered = render(arg, values);
      if (!rendered) return rendered.status().with_context("node " + n.name + " command");
      spec.argv.push_back(*rendered);
    }
    spec.env = {{"PATH", kNodePath}, {"HOME", inputs.data_dirs[n.name]}};
    for (const auto& [key, value] : n.environment) {
      auto rendered = render(value, values);
      if (!rendered) return rendered.status().with_context("node " + n.name + " environment " + key);
      spec.env[key] = *rendered;
    }
    spec.stdout_path = dir + "/logs/" + n.name + ".out";
    spec.stderr_path = dir + "/logs/" + n.name + ".err";
    spec.working_dir = inputs.data_dirs[n.name];
    if (!n.health_url.empty()) {
      auto url = render(n.health_url, values);
      if (!url) return url.status().with_context("node " + n.name + " health_url");
      health_urls[n.name] = *url;
    }
    if (Status s = supervisor.start(spec); !s) return s;
  }
  if (Status s = wait_healthy(io, scenario.system, health_urls, exited); !s) return s.with_context("loopback system");
  PaymentContract contract = scenario.system.payments;
  auto base_url = render(contract.base_url, *shared);
  if (!base_url) return base_url.status().with_context("payments base_url");
  contract.base_url = *base_url;
  {
    PaymentWorkload workload(io, scenario.workload, contract, plan.workload_seed, **timeline);
    (*timeline)->write(HarnessPhase{.phase = "baseline"});
    if (Status s = workload.start(); !s) return s;
    io.run_for(scenario.drill.baseline);
    (*timeline)->write(HarnessPhase{.phase = kWindowStartPhase});
    io.run_for(scenario.drill.duration);
    (*timeline)->write(HarnessPhase{.phase = kWindowEndPhase});
    bool drained = false;
    workload.stop([&drained] { drained = true; });
    const auto drain_deadline = Clock::now() + scenario.workload.timeout + kDrainSlack;
    while (!drained && Clock::now() < drain_deadline) io.run_for(milliseconds(20));
  }
  receiver.stop();
  supervisor.kill_all();
  if (!exited.empty()) return Status::error(exited + " during the run (see " + dir + "/logs)");
  return (*timeline)->status();
}

// Variants (b) and (c): `firedrill run SCENARIO --quiet --out DIR [--clock-shim-everywhere]`, its
// output in DIR.log. Returns its exit code (the verdict's: 0 pass; the window is there whatever it
// is, or measure() says it is not).
Result<int> run_firedrill(const std::string& firedrill, const std::string& scenario, const std::string& dir, bool shim) {
  // (lab+scrape differs in its scenario file: `scenario` is then the one with [detection].)
  std::vector<std::string> args = {firedrill, "run", scenario, "--quiet", "--out", dir};
  if (shim) args.push_back("--clock-shim-everywhere");
  const std::string log = dir + ".log";
  const pid_t child = fork();
  if (child < 0) return Status::error("fork: " + std::string(std::strerror(errno)));
  if (child == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::perror(argv[0]);
    ::_exit(127);
  }
  int status = 0;
  if (::waitpid(child, &status, 0) < 0) return Status::error("waitpid firedrill: " + std::string(std::strerror(errno)));
  if (WIFSIGNALED(status)) return Status::error("firedrill run: killed by signal " + std::to_string(WTERMSIG(status)) + " (see " + log + ")");
  const int code = WEXITSTATUS(status);
  if (code == 127 || code == 64 || code == 65) return Status::error("firedrill run: exit " + std::to_string(code) + " (see " + log + ")");
  return code;
}

using firedrill::testing::read_file;

std::string executable_dir() {
  std::error_code ec;
  return fs::read_symlink("/proc/self/exe", ec).parent_path().string();
}

// One system under test and its targets.
struct SystemCase {
  std::string name;
  double rate_per_s = 0;
  double ok_ratio_min = 0;              // lab ok/s ÷ loopback ok/s at least
  std::optional<double> p99_ratio_max;  // lab p99 ÷ loopback p99 at most
};

// The system definition a scenario of `system` names: refpay's own file; minipay's template
// rendered into `dir` (as own_service_test does).
Result<std::string> definition_of(const std::string& system, const std::string& dir) {
  const std::string source = FIREDRILL_SOURCE_DIR;
  if (system == "refpay") return source + "/sample-system/refpay.toml";
  const std::string script = source + "/tests/data/minipay/minipay.py";
  std::string text = read_file(source + "/tests/data/minipay/minipay.toml.in");
  const std::string token = kMinipayToken;
  if (text.find(token) == std::string::npos) return Status::error("minipay.toml.in: no " + token);
  for (auto at = text.find(token); at != std::string::npos; at = text.find(token, at + script.size())) {
    text.replace(at, token.size(), script);
  }
  const std::string path = dir + "/minipay.toml";
  std::ofstream(path) << text;
  return path;
}

// The scenario every variant runs: no fault, the workload at `rate`, a baseline of `warmup_s`
// (the warm-up), a fault phase of `seconds` (the window), no convergence.
std::string scenario_text(const std::string& system, const std::string& definition, double rate, int seconds, int warmup_s,
                          bool scraped) {
  std::ostringstream s;
  s << "# observer_effect_bench: " << system << " with no fault; the fault phase is the measurement window.\n"
    << "[drill]\nname = \"observer-effect-" << system << "\"\n"
    << "description = \"No fault: the lab's cost to " << system << " at " << rate << "/s (tests/bench/observer_effect.cc).\"\n"
    << "seed = 1\nduration = \"" << seconds << "s\"\nbaseline = \"" << warmup_s << "s\"\nconvergence = \"0s\"\n\n"
    << "[system]\ndefinition = \"" << definition << "\"\n\n"
    << "[workload]\nrate_per_s = " << rate << "\naccounts = " << kAccounts << "\ntimeout = \"" << kTimeout << "\"\n";
  if (scraped) s << "\n[detection]\nprometheus = true\n";
  return s.str();
}

enum Variant { kLoopback, kLab, kLabShim, kLabScrape, kVariants };
const char* const kVariantNames[kVariants] = {"loopback", "lab", "lab+shim", "lab+scrape"};
const char* const kVariantDirs[kVariants] = {"loopback", "lab", "lab-shim", "lab-scrape"};

// One run of one variant.
struct Run {
  std::optional<Figures> figures;
  std::string error;       // why there are no figures
  int firedrill_exit = -1;  // the lab variants' exit code (the verdict's)
};
using Round = std::array<Run, kVariants>;

// Why a system has no lab+scrape run (its definition has no [monitoring]): not a failure.
const char* const kNotMonitored = "no [monitoring] in its definition";

// The lab+scrape variant's scenario, beside the others'.
std::string scraped_scenario_path(const std::string& scenario_path) {
  return fs::path(scenario_path).replace_filename("scenario-scraped.toml").string();
}

// Runs variant `v` of `scenario` into RUN_DIR and measures it.
Run run_variant(Variant v, const Scenario& scenario, const std::string& scenario_path, const std::string& run_dir,
                const std::string& loopback_data, const CpuSampler& cpu) {
  if (v == kLabScrape && !scenario.system.monitoring.declared()) return Run{{}, kNotMonitored, -1};
  const Plan plan = make_plan(scenario, scenario.drill.seed);
  const std::string bin = executable_dir();
  Run run;
  Status ran;
  if (v == kLoopback) {
    ran = run_loopback(scenario, plan, bin, run_dir, loopback_data);
    fs::remove_all(loopback_data);
  } else {
    const std::string file = v == kLabScrape ? scraped_scenario_path(scenario_path) : scenario_path;
    auto code = run_firedrill(bin + "/firedrill", file, run_dir, v == kLabShim);
    if (code) run.firedrill_exit = *code;
    ran = code.status();
  }
  auto figures = ran ? measure(run_dir) : Result<Figures>(ran);
  if (!figures) {
    run.error = figures.status().message();
    if (v != kLoopback && ran) run.error += " (firedrill exit " + std::to_string(run.firedrill_exit) + ": see " + run_dir + ".log)";
    return run;
  }
  const CpuSampler::Busy busy = cpu.busy(figures->window_start_unix_s, figures->window_end_unix_s);
  figures->cpu_host_cores = busy.host_cores;
  figures->cpu_tree_cores = busy.tree_cores;
  run.figures = *figures;
  return run;
}

// Writes the scenarios of `c` and runs `rounds` rounds of the variants, one after the other.
// Round r starts with variant r mod 4 (loopback, lab, lab+shim, lab+scrape; then lab, ...),
// so that over 4 rounds each variant runs once in each position and neither a slow drift of the
// machine nor what the previous run left behind favours one. An empty result and `error` set when
// the scenario cannot be made.
std::vector<Round> run_case(const SystemCase& c, const std::string& root, const std::string& loopback_data, int seconds,
                            int warmup_s, int rounds, const CpuSampler& cpu, std::string& error) {
  const std::string dir = root + "/" + c.name;
  fs::create_directories(dir);
  auto definition = definition_of(c.name, dir);
  if (!definition) {
    error = definition.status().message();
    return {};
  }
  const std::string scenario_path = dir + "/scenario.toml";
  std::ofstream(scenario_path) << scenario_text(c.name, *definition, c.rate_per_s, seconds, warmup_s, false);
  std::ofstream(scraped_scenario_path(scenario_path)) << scenario_text(c.name, *definition, c.rate_per_s, seconds, warmup_s, true);
  auto loaded = load_scenario(scenario_path, builtin_fault_kinds().catalog());
  if (auto* diagnostics = std::get_if<Diagnostics>(&loaded)) {
    error = "invalid scenario: " + diagnostics->text();
    return {};
  }
  const Scenario& scenario = std::get<Scenario>(loaded);
  std::vector<Round> result(static_cast<std::size_t>(rounds));
  for (int r = 0; r < rounds; ++r) {
    for (int k = 0; k < kVariants; ++k) {
      const int v = (r + k) % kVariants;
      std::fprintf(stderr, "observer_effect_bench: %s round %d/%d: %s ...\n", c.name.c_str(), r + 1, rounds,
                   kVariantNames[v]);
      const std::string run_dir = dir + "/round-" + std::to_string(r + 1) + "/" + kVariantDirs[v];
      fs::create_directories(fs::path(run_dir).parent_path());
      result[static_cast<std::size_t>(r)][v] =
          run_variant(static_cast<Variant>(v), scenario, scenario_path, run_dir, loopback_data + "/" + c.name, cpu);
    }
  }
  return result;
}

// The median over the rounds of one figure of variant `v`; nullopt when a round of it failed.
std::optional<double> median_of(const std::vector<Round>& rounds, int v, double Figures::* field) {
  std::vector<double> values;
  for (const Round& round : rounds) {
    if (!round[v].figures) return std::nullopt;
    values.push_back((*round[v].figures).*field);
  }
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// True when more than kOtherCoresMax cores were busy outside this benchmark during the window.
bool shared_cpu(const Figures& f) {
  return f.cpu_host_cores >= 0 && f.cpu_tree_cores >= 0 && f.cpu_host_cores - f.cpu_tree_cores > kOtherCoresMax;
}

// Every run's own figures, one row each.
void print_raw(const std::vector<SystemCase>& cases, const std::vector<std::vector<Round>>& results) {
  std::printf("%-8s %5s %-10s %8s %8s %6s %8s %9s %9s %9s %9s %5s\n", "system", "round", "variant", "sent/s", "ok/s",
              "fail", "unknown", "p50 (ms)", "p99 (ms)", "CPU host", "CPU ours", "exit");
  for (std::size_t i = 0; i < cases.size(); ++i) {
    for (std::size_t r = 0; r < results[i].size(); ++r) {
      for (int v = 0; v < kVariants; ++v) {
        const Run& run = results[i][r][v];
        if (run.error == kNotMonitored) continue;
        const std::string exit = v == kLoopback ? "-" : std::to_string(run.firedrill_exit);
        if (!run.figures) {
          std::printf("%-8s %5zu %-10s failed: %s\n", cases[i].name.c_str(), r + 1, kVariantNames[v], run.error.c_str());
          continue;
        }
        const Figures& f = *run.figures;
        char host[32] = "-", ours[32] = "-";
        if (f.cpu_host_cores >= 0) std::snprintf(host, sizeof host, "%.2f", f.cpu_host_cores);
        if (f.cpu_tree_cores >= 0) std::snprintf(ours, sizeof ours, "%.2f", f.cpu_tree_cores);
        const bool shared = shared_cpu(f);
        std::printf("%-8s %5zu %-10s %8.1f %8.1f %6lld %8lld %9.2f %9.2f %9s %9s %5s%s\n", cases[i].name.c_str(), r + 1,
                    kVariantNames[v], static_cast<double>(f.sent) / f.window_s, f.ok_per_s,
                    static_cast<long long>(f.fail), static_cast<long long>(f.unknown), f.p50_ms, f.p99_ms, host, ours,
                    exit.c_str(), shared ? " *" : "");
      }
    }
  }
  std::printf("CPU: cores busy during the window, on the whole host and in this benchmark's process tree (its\n"
              "nodes, client and controller). *: more than %.1f cores busy outside it: the run shared the CPU with\n"
              "something else, and its tail is not the lab's (re-run on an idle machine).\n",
              kOtherCoresMax);
}

// The ratio rows: for each system and lab variant, ok/s, p50 and p99 as lab ÷ loopback (medians
// over the rounds), with the target and (measured ÷ target) where there is one.
void print_ratios(const std::vector<SystemCase>& cases, const std::vector<std::vector<Round>>& results) {
  std::printf("%-32s %9s %9s %7s\n", "figure", "target", "measured", "ratio");
  auto row = [](const std::string& figure, const char* target_text, std::optional<double> target,
                std::optional<double> measured) {
    if (!measured) return (void)std::printf("%-32s %9s %9s\n", figure.c_str(), target_text, "failed");
    if (!target) return (void)std::printf("%-32s %9s %9.2f\n", figure.c_str(), target_text, *measured);
    std::printf("%-32s %9s %9.2f %7.2f\n", figure.c_str(), target_text, *measured, *measured / *target);
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const SystemCase& c = cases[i];
    const bool monitored = std::any_of(results[i].begin(), results[i].end(),
                                       [](const Round& round) { return round[kLabScrape].figures.has_value(); });
    for (int v : {kLab, kLabShim, kLabScrape}) {
      if (v == kLabScrape && !monitored) continue;
      auto ratio = [&](double Figures::* field) -> std::optional<double> {
        const auto base = median_of(results[i], kLoopback, field);
        const auto lab = median_of(results[i], v, field);
        if (!base || !lab || *base <= 0) return std::nullopt;
        return *lab / *base;
      };
      const std::string name = c.name + " " + kVariantNames[v] + "/loopback";
      char ok_target[16], p99_target[16] = "-";
      std::snprintf(ok_target, sizeof ok_target, ">= %.2f", c.ok_ratio_min);
      if (c.p99_ratio_max) std::snprintf(p99_target, sizeof p99_target, "<= %.1f", *c.p99_ratio_max);
      row(name + " ok/s", ok_target, c.ok_ratio_min, ratio(&Figures::ok_per_s));
      row(name + " p50", "-", std::nullopt, ratio(&Figures::p50_ms));
      row(name + " p99", p99_target, c.p99_ratio_max, ratio(&Figures::p99_ms));
    }
    if (monitored) {
      row(c.name + " monitoring bring-up (s)", "-", std::nullopt, median_of(results[i], kLabScrape, &Figures::monitoring_bring_up_s));
    }
    // Runs marked * in the raw table: their figures above are the other program's as much as the lab's.
    int shared = 0, runs = 0;
    for (const Round& round : results[i]) {
      for (const Run& run : round) {
        if (!run.figures) continue;
        ++runs;
        shared += shared_cpu(*run.figures);
      }
    }
    std::printf("%-32s %9s %9s\n", (c.name + " runs sharing the CPU (*)").c_str(), "0",
                (std::to_string(shared) + "/" + std::to_string(runs)).c_str());
    // The noise floor: how far apart identical loopback runs are (no lab at all).
    if (results[i].size() >= 2) {
      std::vector<double> p99s;
      for (const Round& round : results[i]) {
        if (round[kLoopback].figures) p99s.push_back(round[kLoopback].figures->p99_ms);
      }
      const auto [low, high] = std::minmax_element(p99s.begin(), p99s.end());
      row(c.name + " loopback p99 max/min", "-", std::nullopt,
          p99s.size() == results[i].size() && *low > 0 ? std::optional<double>(*high / *low) : std::nullopt);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"the lab's observer effect: a system on loopback vs in the lab vs with the clock shim vs scraped by Prometheus"};
  std::string only = "all";
  std::optional<double> rate;
  int seconds = 10;
  int warmup_s = 3;
  // One 10 s window's p99 moves by a third between identical runs (a few stalls make it): the
  // median of 3 rounds is the least that resolves a 1.2x target.
  int rounds = 3;
  std::string work_root = fs::temp_directory_path().string();
  std::string loopback_data = "/dev/shm";
  bool keep = false;
  app.add_option("--system", only, "refpay, minipay or all")->check(CLI::IsMember({"refpay", "minipay", "all"}));
  app.add_option("--rate", rate, "offered payments/s for every system (default: refpay 1000, minipay 300)")
      ->check(CLI::Range(1.0, kRatePerSecondMax));
  app.add_option("--seconds", seconds, "the measurement window (the drill's fault phase)")->check(CLI::Range(1, 600));
  app.add_option("--warmup", warmup_s, "the warm-up before it (the drill's baseline)")->check(CLI::Range(0, 600));
  app.add_option("--rounds", rounds, "rounds of the variants; the ratios are of the medians")
      ->check(CLI::Range(1, 100));
  app.add_option("--work-dir", work_root, "parent of the run directories (not under /dev/shm: the lab mounts its own)");
  app.add_option("--loopback-data", loopback_data,
                 "parent of the loopback nodes' data (default tmpfs, as the lab's volumes; a disk path to see fsync)");
  app.add_flag("--keep", keep, "keep the run directories");
  CLI11_PARSE(app, argc, argv);
  if (geteuid() != 0) {
    std::printf("observer_effect_bench: needs root (firedrill run builds the lab: namespaces, veth, tmpfs); skipped\n");
    return 0;
  }
  std::vector<SystemCase> cases;
  if (only != "minipay") cases.push_back({"refpay", rate.value_or(1000), 0.95, 1.2});
  if (only != "refpay") {
    if (fs::exists(kPython)) {
      cases.push_back({"minipay", rate.value_or(300), 0.90, std::nullopt});
    } else {
      std::printf("observer_effect_bench: minipay skipped: %s is missing\n", kPython);
    }
  }
  std::string root = work_root + "/observer-effect-XXXXXX";
  std::string data = loopback_data + "/observer-effect-data-XXXXXX";
  if (!mkdtemp(root.data()) || !mkdtemp(data.data())) {
    std::fprintf(stderr, "observer_effect_bench: cannot create %s or %s\n", root.c_str(), data.c_str());
    return 1;
  }
  CpuSampler cpu;
  std::vector<std::vector<Round>> results;
  bool failed = false;
  for (const SystemCase& c : cases) {
    std::string error;
    results.push_back(run_case(c, root, data, seconds, warmup_s, rounds, cpu, error));
    if (!error.empty()) std::fprintf(stderr, "observer_effect_bench: %s: %s\n", c.name.c_str(), error.c_str());
    failed = failed || !error.empty();
    for (const Round& round : results.back()) {
      for (int v = 0; v < kVariants; ++v) {
        failed = failed || (!round[v].figures && round[v].error != kNotMonitored);
      }
    }
  }
  fs::remove_all(data);

  std::printf("observer effect: the same system, client and offered rate on loopback, in the lab, and in the lab "
              "with the clock shim in every node, and in the lab scraped by the drill's Prometheus; %d s window after a %d s warm-up; %d round(s), ratios of the "
              "medians; ",
              seconds, warmup_s, rounds);
  for (const SystemCase& c : cases) std::printf("%s %.0f/s; ", c.name.c_str(), c.rate_per_s);
  std::printf("%lld accounts, timeout %s; loopback data in %s; %u cores\n", static_cast<long long>(kAccounts), kTimeout,
              loopback_data.c_str(), std::thread::hardware_concurrency());
  print_raw(cases, results);
  std::printf("\n");
  print_ratios(cases, results);
  if (keep || failed) {
    std::printf("\nrun directories kept in %s\n", root.c_str());
  } else {
    fs::remove_all(root);
  }
  return failed ? 1 : 0;
}
