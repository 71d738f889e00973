// Benchmark: what power.loss's durability-tracking filesystem (harness/lab/durable/) costs refpay.
// The same 3-ledger refpay cluster (sync replication, synchronous = full, 32 payments in flight,
// closed loop: as fast as it goes) runs twice, its ledgers' data on a plain tmpfs and then on the
// durability-tracking FUSE filesystem over a tmpfs of the same size, as the lab mounts them for a
// node a power.loss can reach. Prints both throughputs and p99s and the ratio; target: the
// filesystem keeps at least half the throughput (issue [5/6]). Alternating rounds (--rounds, 3)
// and medians, as a shared machine drifts.
//   durable_volume_bench [--seconds N] [--rounds N] [--concurrency N]
// Needs root (tmpfs and FUSE mounts, in a private mount namespace of its own).
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include "lab/durable/durable_volume.h"
#include "local/load.h"
#include "local/local_cluster.h"

namespace {

constexpr const char* volume_size = "size=1g";

struct Figures {
  double per_s = 0;
  double p99_ms = 0;
  int64_t fsyncs = 0;
};

// One closed-loop run of the cluster with its data in a fresh tmpfs at `dir`, under the
// durability-tracking filesystem when `durable`.
std::optional<Figures> run_once(const std::string& dir, bool durable, int seconds, int concurrency) {
  std::filesystem::create_directories(dir);
  if (mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, volume_size) != 0) {
    std::perror("mount tmpfs");
    return std::nullopt;
  }
  std::unique_ptr<firedrill::DurableVolume> volume;
  if (durable) {
    auto made = firedrill::DurableVolume::create(dir);
    if (!made) {
      std::cerr << made.status().message() << "\n";
      umount2(dir.c_str(), MNT_DETACH);
      return std::nullopt;
    }
    volume = std::move(*made);
  }
  std::optional<Figures> figures;
  {
    refpay::LocalClusterOptions options;
    options.work_dir = dir + "/cluster";
    auto cluster = refpay::LocalCluster::start(options);
    if (!cluster) {
      std::cerr << cluster.status().message() << "\n";
    } else {
      refpay::LoadOptions load;
      load.gateway_url = (*cluster)->gateway_url();
      load.concurrency = concurrency;
      load.duration = std::chrono::seconds(1);
      refpay::run_load(load);  // warm-up: connections, SQLite caches
      load.duration = std::chrono::seconds(seconds);
      load.key_prefix = durable ? "durable" : "plain";
      const refpay::LoadReport report = refpay::run_load(load);
      figures = Figures{report.throughput_per_s, report.p99_ms, volume ? volume->counts().fsyncs : 0};
    }
  }
  volume.reset();
  umount2(dir.c_str(), MNT_DETACH);
  std::filesystem::remove(dir);
  return figures;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"the durability-tracking filesystem's cost to refpay"};
  int seconds = 5, rounds = 3, concurrency = 32;
  app.add_option("--seconds", seconds, "each run's measured window")->check(CLI::Range(1, 600));
  app.add_option("--rounds", rounds, "runs of each volume, alternating")->check(CLI::Range(1, 20));
  app.add_option("--concurrency", concurrency, "payments in flight")->check(CLI::Range(1, 1024));
  CLI11_PARSE(app, argc, argv);
  if (geteuid() != 0) {
    std::cerr << "durable_volume_bench: needs root (tmpfs and FUSE mounts)\n";
    return 1;
  }
  if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    std::perror("a private mount namespace");
    return 1;
  }
  char pattern[] = "/tmp/durable-bench-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return 1;
  std::vector<double> plain_per_s, durable_per_s, plain_p99, durable_p99;
  int64_t fsyncs = 0;
  for (int r = 0; r < rounds; ++r) {
    for (int k = 0; k < 2; ++k) {
      const bool durable = (r + k) % 2 == 1;
      std::fprintf(stderr, "durable_volume_bench: round %d/%d: %s ...\n", r + 1, rounds, durable ? "durable" : "tmpfs");
      auto f = run_once(std::string(pattern) + "/volume", durable, seconds, concurrency);
      if (!f) return 1;
      (durable ? durable_per_s : plain_per_s).push_back(f->per_s);
      (durable ? durable_p99 : plain_p99).push_back(f->p99_ms);
      fsyncs += f->fsyncs;
    }
  }
  std::filesystem::remove(pattern);
  const double ratio = median(durable_per_s) / median(plain_per_s);
  std::printf("refpay, 3 ledgers, sync replication, synchronous = full, concurrency %d, %d s x %d rounds (medians)\n",
              concurrency, seconds, rounds);
  std::printf("%-40s %10s %10s %8s\n", "figure", "target", "measured", "ratio");
  std::printf("%-40s %10s %10.0f\n", "payments/s on tmpfs", "-", median(plain_per_s));
  std::printf("%-40s %10s %10.0f\n", "payments/s on the durable fs", "-", median(durable_per_s));
  std::printf("%-40s %10s %10.2f %8.2f\n", "throughput durable fs / tmpfs", ">= 0.50", ratio, ratio / 0.5);
  std::printf("%-40s %10s %10.2f\n", "p99 (ms) on tmpfs", "-", median(plain_p99));
  std::printf("%-40s %10s %10.2f\n", "p99 (ms) on the durable fs", "-", median(durable_p99));
  std::printf("%-40s %10s %10lld\n", "fsyncs seen by the durable fs", "-", static_cast<long long>(fsyncs));
  return 0;
}
