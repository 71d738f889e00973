// Benchmark: injection latency per fault kind — from the instant a fault is scheduled (apply()
// called) to its effect verified — median and p99 over N applications each, against the targets
// of issue [3/8]: process kill ≤ 1 ms, partition ≤ 5 ms, clock skew ≤ 5 ms, disk full on a
// 64 MiB volume ≤ 50 ms (all p99). Runs in its own network and mount namespaces with real
// processes, routes, tmpfs volumes and the clock shim (needs root).
//   injection_latency_bench [--rounds N]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fault/fault_kinds.h"
#include "timed_step.h"
#include "lab/clock/clock_control.h"
#include "lab/clock/clock_control_file.h"
#include "lab/lab_place.h"
#include "lab/network.h"
#include "lab_sandbox.h"
#include "lab/volumes.h"
#include "runner/drill_runner.h"
#include "supervision/supervisor.h"

using namespace firedrill;
using firedrill::bench::quantile;
using firedrill::bench::timed_step;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// As `--clock-node`: a node that reads its wall clock every millisecond, as a service handling
// requests does (clock.skew is then verified by the node's own read, not a witness).
int clock_node_main() {
  for (;;) {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    usleep(1'000);
  }
}

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--clock-node") return clock_node_main();
  CLI::App app{"fault injection latency benchmark"};
  int rounds = 100;
  app.add_option("--rounds", rounds)->check(CLI::Range(5, 10'000));
  CLI11_PARSE(app, argc, argv);
  if (auto code = enter_lab_sandbox("injection_latency_bench", "namespaces, tmpfs")) return *code;
  std::string root = (fs::temp_directory_path() / ("inject-bench-" + std::to_string(getpid()))).string();
  fs::create_directories(root + "/clock");
  LabNetworkSpec spec;
  spec.nodes = {"n1", "n2", "n3"};
  auto network = LabNetwork::create(spec);
  auto volumes = Volumes::create(root + "/volumes", {{"n1", int64_t{64} << 20}, {"n2", int64_t{64} << 20}});
  if (!network || !volumes) {
    std::fprintf(stderr, "lab: %s\n", (!network ? network.status() : volumes.status()).message().c_str());
    return 1;
  }
  boost::asio::io_context io;
  Supervisor supervisor(io, [](const ProcessEvent&) {});
  // n1 (an idle `sleep`) and n3 (this program as --clock-node) run with the clock shim, as nodes
  // a clock fault can reach do: n1's skew is verified by a witness through the shim, n3's by its
  // own read. Each has its page.
  auto page_of = [&](const std::string& node) { return root + "/clock/" + node + ".clock"; };
  for (const char* node : {"n1", "n3"}) {
    if (auto created = ClockControlFile::create(page_of(node)); !created) {
      std::fprintf(stderr, "%s\n", created.status().message().c_str());
      return 1;
    }
  }
  const std::string page = page_of("n1");
  std::error_code ec;
  const std::string shim = fs::canonical(find_clock_shim(fs::read_symlink("/proc/self/exe").parent_path()), ec);
  if (ec) {
    std::fprintf(stderr, "the clock shim: %s\n", ec.message().c_str());
    return 1;
  }
  std::map<std::string, std::string> env = {{"PATH", "/usr/bin:/bin"}, {"LD_PRELOAD", shim}, {clock_control_env, page}};
  ProcessSpec sleeper{"n1", {"/bin/sleep", "1000"}, env, (*network)->netns_fd("n1"), "", "", ""};
  env[clock_control_env] = page_of("n3");
  ProcessSpec reader{"n3", {fs::read_symlink("/proc/self/exe").string(), "--clock-node"}, env,
                     (*network)->netns_fd("n3"), "", "", ""};
  for (const ProcessSpec& node : {sleeper, reader}) {
    if (Status s = supervisor.start(node); !s) {
      std::fprintf(stderr, "%s\n", s.message().c_str());
      return 1;
    }
  }
  LabPlace place(io, supervisor);
  place.context().network = network->get();
  place.context().volumes = volumes->get();
  place.context().clock_control = page_of;
  place.context().clock_shim = shim;
  FaultContext context{io, place, std::chrono::milliseconds(5000),
                       [](const std::string& target, std::function<void(Result<std::string>)> next) { next(target); }};

  struct Kind {
    const char* figure;
    double target_ms;
    FaultSpec spec;
    std::string node;
  };
  auto fault = [](const char* kind, std::map<std::string, ParameterValue> parameters) {
    FaultSpec f;
    f.kind = kind;
    f.parameters = std::move(parameters);
    return f;
  };
  std::vector<Kind> kinds = {
      {"process.kill (SIGKILL)", 1, fault("process.kill", {{"signal", std::string("SIGKILL")}}), "n1"},
      {"network.partition", 5, fault("network.partition", {{"groups", NodeGroups{{"n1"}, {"n2", "n3", "client"}}}}), "network.partition"},
      {"clock.skew busy node", 5, fault("clock.skew", {{"offset", Milliseconds(600'000)}}), "n3"},
      {"clock.skew idle node", 20, fault("clock.skew", {{"offset", Milliseconds(600'000)}}), "n1"},
      {"disk.full (64 MiB)", 50, fault("disk.full", {{"percent", int64_t{100}}}), "n2"},
  };
  std::printf("injection latency: scheduled -> verified in effect, %d applications each\n", rounds);
  std::printf("%-24s %10s %10s %10s %8s\n", "fault", "target p99", "median", "p99", "ratio");
  for (Kind& k : kinds) {
    std::vector<double> samples;
    for (int i = 0; i < rounds; ++i) {
      auto made = builtin_fault_kinds().make(k.spec, k.node, context);
      if (!made) {
        std::fprintf(stderr, "%s\n", made.status().message().c_str());
        return 1;
      }
      double apply_ms = timed_step(io, [&](FaultDone done) { (*made)->apply(std::move(done)); });
      timed_step(io, [&](FaultDone done) { (*made)->revert(std::move(done)); });
      if (apply_ms >= 0) samples.push_back(apply_ms);
    }
    if (samples.empty()) {
      std::printf("%-24s %8.0fms %10s %10s\n", k.figure, k.target_ms, "failed", "-");
      continue;
    }
    double p99 = quantile(samples, 0.99);
    std::printf("%-24s %8.0fms %8.2fms %8.2fms %8.2f\n", k.figure, k.target_ms, quantile(samples, 0.5), p99,
                p99 / k.target_ms);
  }
  supervisor.kill_all();
  volumes->reset();
  network->reset();
  fs::remove_all(root);
  return 0;
}
