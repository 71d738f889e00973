// Benchmark: injection latency over SSH — from the instant a fault is scheduled (apply() called)
// to its effect verified on the host — median and p99 over N applications each, on the SSH test
// bed (sample-system/hosts/testbed.sh: real sshd processes in network namespaces), through the
// HostPlace a drill on hosts uses: one session per host, the dead-man's switch armed before each
// change. Targets (issue [3/6]): process.kill p99 ≤ 20 ms, network.partition p99 ≤ 50 ms;
// disk.full is reported beside them. Needs root, sshd and nft.
//   ssh_injection_latency_bench [--rounds N]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "fault/fault_kinds.h"
#include "timed_step.h"
#include "remote/host_place.h"
#include "testing/ssh_testbed.h"

using namespace firedrill;
using firedrill::bench::quantile;
using firedrill::bench::timed_step;
using Clock = std::chrono::steady_clock;

namespace {

// Waits on `io` for a callback-style step that reports a Status.
Status wait_for(boost::asio::io_context& io, const std::function<void(std::function<void(Status)>)>& step) {
  bool done = false;
  Status result = Status::ok();
  step([&](Status s) {
    result = s;
    done = true;
  });
  io.restart();
  while (!done) io.run_one();
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"injection latency over SSH"};
  int rounds = 100;
  app.add_option("--rounds", rounds, "applications per fault kind");
  CLI11_PARSE(app, argc, argv);

  firedrill::testing::SshTestbed bed("bn", 30, 3);
  if (!bed.up()) {
    std::fprintf(stderr, "test bed: %s\n", bed.why_not().c_str());
    return 1;
  }
  SystemDefinition system;
  system.ssh.identity_file = bed.identity();
  system.ssh.known_hosts = bed.known_hosts();
  system.ssh.controller_address = bed.subnet() + ".1";
  for (int i = 1; i <= 3; ++i) {
    NodeDefinition n;
    n.name = "n" + std::to_string(i);
    n.command = {"/bin/sleep", "100000"};
    n.host = "ssh://root@" + bed.address(i);
    n.data_dir = bed.data_dir(i);
    system.nodes.push_back(n);
  }
  boost::asio::io_context io;
  HostPlace place(HostPlaceSetup{.io = io,
                                 .system = system,
                                 .run_id = "bench" + std::to_string(getpid()),
                                 .step_deadline = std::chrono::milliseconds(5000),
                                 .on_event = {},
                                 .clock_nodes = {},
                                 .on_host_lost = {},
                                 .switch_delay = [](ChangeId) { return std::chrono::milliseconds(120'000); }});
  if (Status s = wait_for(io, [&](auto done) {
        place.connect(host_tools({"process.kill", "network.partition", "disk.full"}), std::move(done));
      });
      !s) {
    std::fprintf(stderr, "connect: %s\n", s.message().c_str());
    return 1;
  }
  for (const auto& n : system.nodes) {
    NodeLaunch launch{n.name, n.command, {{"PATH", "/usr/bin:/bin"}}, "", "", n.data_dir};
    if (timed_step(io, [&](FaultDone done) { place.start_node(launch, std::move(done)); }) < 0) return 1;
  }
  FaultContext context{io, place, std::chrono::milliseconds(5000),
                       [](const std::string& target, std::function<void(Result<std::string>)> next) { next(target); }};
  auto fault = [](const char* kind, std::map<std::string, ParameterValue> parameters) {
    FaultSpec f;
    f.kind = kind;
    f.parameters = std::move(parameters);
    return f;
  };
  struct Kind {
    const char* figure;
    double target_ms;  // 0: none
    FaultSpec spec;
    std::string node;
  };
  std::vector<Kind> kinds = {
      {"process.kill (SIGKILL)", 20, fault("process.kill", {{"signal", std::string("SIGKILL")}}), "n1"},
      {"network.partition", 50, fault("network.partition", {{"groups", NodeGroups{{"n1"}, {"n2", "n3"}}}}), "network.partition"},
      {"disk.full (64 MiB)", 0, fault("disk.full", {{"percent", int64_t{100}}}), "n2"},
  };
  std::printf("injection latency over SSH: scheduled -> verified on the host, %d applications each\n", rounds);
  std::printf("%-24s %10s %10s %10s %8s\n", "fault", "target p99", "median", "p99", "ratio");
  for (Kind& k : kinds) {
    std::vector<double> samples;
    for (int i = 0; i < rounds; ++i) {
      auto made = builtin_fault_kinds().make(k.spec, k.node, context);
      if (!made) {
        std::fprintf(stderr, "%s\n", made.status().message().c_str());
        return 1;
      }
      const double apply_ms = timed_step(io, [&](FaultDone done) { (*made)->apply(std::move(done)); });
      timed_step(io, [&](FaultDone done) { (*made)->revert(std::move(done)); });
      if (apply_ms >= 0) samples.push_back(apply_ms);
    }
    if (samples.empty()) {
      std::printf("%-24s %10s %10s\n", k.figure, "failed", "-");
      continue;
    }
    const double p99 = quantile(samples, 0.99);
    char target[16] = "-";
    if (k.target_ms > 0) std::snprintf(target, sizeof target, "%.0fms", k.target_ms);
    std::printf("%-24s %10s %8.2fms %8.2fms", k.figure, target, quantile(samples, 0.5), p99);
    if (k.target_ms > 0) std::printf(" %8.2f", p99 / k.target_ms);
    std::printf("\n");
  }
  const RoundTrips trips = place.round_trips_since(0);
  if (trips.commands > 0) {
    std::printf("\nremote commands: %lld, mean round trip %.2f ms\n", static_cast<long long>(trips.commands),
                static_cast<double>(trips.total_us) / static_cast<double>(trips.commands) / 1000.0);
  }
  // The nodes' logs go to a scratch directory, removed with them.
  char logs[] = "/tmp/ssh-bench-XXXXXX";
  if (::mkdtemp(logs) == nullptr) return 1;
  if (Status s = wait_for(io, [&](auto done) { place.finish(logs, std::chrono::milliseconds(1000), std::move(done)); }); !s) {
    std::fprintf(stderr, "finish: %s\n", s.message().c_str());
  }
  std::filesystem::remove_all(logs);
  return 0;
}
