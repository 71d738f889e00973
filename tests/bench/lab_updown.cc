// Benchmark: bringing the lab up and down for 5 nodes — network (bridge, 5 namespaces, veth
// pairs, addresses, routes through libnl) and tmpfs volumes — against the target of issue [2/8]
// (< 500 ms). Runs in its own network and mount namespaces (needs root), so nothing touches the
// host. Prints median, p99 and max over N rounds.
//   lab_updown_bench [--rounds N]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "lab/network.h"
#include "lab_sandbox.h"
#include "lab/volumes.h"

using namespace firedrill;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  CLI::App app{"lab up + down benchmark (5 nodes)"};
  int rounds = 50;
  app.add_option("--rounds", rounds)->check(CLI::Range(1, 10'000));
  CLI11_PARSE(app, argc, argv);
  if (auto code = enter_lab_sandbox("lab_updown_bench", "network namespaces and tmpfs mounts")) return *code;
  std::string root = (std::filesystem::temp_directory_path() / ("lab-bench-" + std::to_string(getpid()))).string();
  LabNetworkSpec spec;
  spec.nodes = {"ledger-1", "ledger-2", "ledger-3", "arbiter", "gateway"};
  std::vector<std::pair<std::string, int64_t>> volumes;
  for (const auto& n : spec.nodes) volumes.emplace_back(n, int64_t{64} << 20);
  std::vector<double> up_ms, down_ms, total_ms;
  for (int i = 0; i < rounds; ++i) {
    auto t0 = Clock::now();
    auto network = LabNetwork::create(spec);
    auto disks = Volumes::create(root, volumes);
    auto t1 = Clock::now();
    if (!network || !disks) {
      std::fprintf(stderr, "lab up failed: %s\n",
                   (!network ? network.status() : disks.status()).message().c_str());
      return 1;
    }
    network->reset();
    disks->reset();
    auto t2 = Clock::now();
    up_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    down_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    total_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t0).count());
  }
  std::filesystem::remove_all(root);
  auto stat = [](std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
  };
  std::printf("lab up + down, 5 nodes (netns + veth + bridge + 64 MiB tmpfs each), %d rounds\n", rounds);
  std::printf("%-14s %10s %10s %10s %10s %8s\n", "figure", "target", "median", "p99", "max", "ratio");
  std::printf("%-14s %10s %8.1fms %8.1fms %8.1fms\n", "up", "-", stat(up_ms, 0.5), stat(up_ms, 0.99), stat(up_ms, 1));
  std::printf("%-14s %10s %8.1fms %8.1fms %8.1fms\n", "down", "-", stat(down_ms, 0.5), stat(down_ms, 0.99), stat(down_ms, 1));
  std::printf("%-14s %10s %8.1fms %8.1fms %8.1fms %8.2f\n", "up + down", "< 500ms", stat(total_ms, 0.5),
              stat(total_ms, 0.99), stat(total_ms, 1), stat(total_ms, 0.99) / 500.0);
  return 0;
}
