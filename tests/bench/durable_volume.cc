// Benchmark: what power.loss's durability-tracking filesystem (harness/lab/durable/) costs refpay.
// The same 3-ledger refpay cluster (sync replication, synchronous = full, 32 payments in flight,
// closed loop: as fast as it goes) runs three ways, each ledger's data on its own plain tmpfs, then
// on the durability-tracking FUSE filesystem over a tmpfs of the same size as the lab mounts it
// for a node a power.loss can reach (the kernel's write-back cache), then the same written
// through (a node a disk.full can reach as well). Prints the throughputs, p99s and ratios; target:
// the write-back filesystem keeps at least half the throughput (issue [5/6]). Alternating rounds (--rounds, 3)
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

// One closed-loop run of the cluster, each ledger's data on its own fresh tmpfs under `dir` (as
// the lab gives each node its volume), under the durability-tracking filesystem when `durable`.
enum Variant { kTmpfs, kWriteBack, kWriteThrough, kVariants };
const char* const kVariantNames[kVariants] = {"tmpfs", "durable fs, write-back", "durable fs, write-through"};

std::optional<Figures> run_once(const std::string& dir, Variant variant, int seconds, int concurrency) {
  const bool durable = variant != kTmpfs, write_back = variant == kWriteBack;
  constexpr int ledgers = 3;
  std::vector<std::string> mounts;
  std::vector<std::unique_ptr<firedrill::DurableVolume>> volumes;
  auto unmount_all = [&] {
    volumes.clear();
    for (const auto& m : mounts) umount2(m.c_str(), MNT_DETACH);
    std::filesystem::remove_all(dir);
  };
  refpay::LocalClusterOptions options;
  options.work_dir = dir + "/cluster";
  for (int i = 0; i < ledgers; ++i) {
    const std::string volume = dir + "/ledger-" + std::to_string(i + 1);
    std::filesystem::create_directories(volume);
    if (mount("tmpfs", volume.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, volume_size) != 0) {
      std::perror("mount tmpfs");
      unmount_all();
      return std::nullopt;
    }
    mounts.push_back(volume);
    if (durable) {
      auto made = firedrill::DurableVolume::create(volume, write_back);
      if (!made) {
        std::cerr << made.status().message() << "\n";
        unmount_all();
        return std::nullopt;
      }
      volumes.push_back(std::move(*made));
    }
    options.ledger_data_dirs[i] = volume;
  }
  std::optional<Figures> figures;
  {
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
      int64_t fsyncs = 0;
      for (const auto& v : volumes) fsyncs += v->counts().fsyncs;
      figures = Figures{report.throughput_per_s, report.p99_ms, fsyncs};
    }
  }
  unmount_all();
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
  std::vector<double> per_s[kVariants], p99[kVariants];
  int64_t fsyncs = 0;
  for (int r = 0; r < rounds; ++r) {
    for (int k = 0; k < kVariants; ++k) {
      const auto v = static_cast<Variant>((r + k) % kVariants);
      std::fprintf(stderr, "durable_volume_bench: round %d/%d: %s ...\n", r + 1, rounds, kVariantNames[v]);
      auto f = run_once(std::string(pattern) + "/volume", v, seconds, concurrency);
      if (!f) return 1;
      per_s[v].push_back(f->per_s);
      p99[v].push_back(f->p99_ms);
      fsyncs += f->fsyncs;
    }
  }
  std::filesystem::remove(pattern);
  std::printf("refpay, 3 ledgers, sync replication, synchronous = full, concurrency %d, %d s x %d rounds (medians)\n",
              concurrency, seconds, rounds);
  std::printf("%-44s %10s %10s %8s\n", "figure", "target", "measured", "ratio");
  for (int v = 0; v < kVariants; ++v) {
    std::printf("%-44s %10s %10.0f\n", (std::string("payments/s on ") + kVariantNames[v]).c_str(), "-", median(per_s[v]));
  }
  for (int v : {kWriteBack, kWriteThrough}) {
    const double ratio = median(per_s[v]) / median(per_s[kTmpfs]);
    const std::string figure = std::string("throughput ") + kVariantNames[v] + " / tmpfs";
    // The target is the write-back volume's (a power.loss node's); write-through is what a node
    // that a disk.full can reach as well pays for ENOSPC at write(2).
    if (v == kWriteBack) {
      std::printf("%-44s %10s %10.2f %8.2f\n", figure.c_str(), ">= 0.50", ratio, ratio / 0.5);
    } else {
      std::printf("%-44s %10s %10.2f\n", figure.c_str(), "-", ratio);
    }
  }
  for (int v = 0; v < kVariants; ++v) {
    std::printf("%-44s %10s %10.2f\n", (std::string("p99 (ms) on ") + kVariantNames[v]).c_str(), "-", median(p99[v]));
  }
  std::printf("%-44s %10s %10lld\n", "fsyncs seen by the durable fs", "-", static_cast<long long>(fsyncs));
  return 0;
}
