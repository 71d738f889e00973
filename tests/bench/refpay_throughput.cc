// Benchmark: payments per second through the refpay gateway with sync replication, 3 ledgers,
// 32 payments in flight, everything on this machine; prints throughput and p50 / p99 latency
// against the targets of issue [1/8] (>= 3,000 payments/s, p99 < 20 ms).
//   refpay_throughput_bench [--seconds N] [--concurrency N] [--replication sync|async]
//                           [--work-dir DIR]   (DIR on tmpfs, e.g. /dev/shm, to leave fsync out)
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "local/load.h"
#include "local/load_command_line.h"
#include "local/local_cluster.h"

using namespace refpay;

int main(int argc, char** argv) {
  CLI::App app{"refpay throughput benchmark"};
  LoadCommandLine command_line;
  std::string work_root = std::filesystem::temp_directory_path().string();
  add_load_options(app, command_line, 600);
  app.add_option("--work-dir", work_root, "parent directory of the ledgers' data");
  CLI11_PARSE(app, argc, argv);

  std::string pattern = work_root + "/refpay-bench-XXXXXX";
  if (!mkdtemp(pattern.data())) {
    std::cerr << "cannot create a directory under " << work_root << "\n";
    return 1;
  }
  LocalClusterOptions options;
  options.work_dir = pattern;
  options.replication = command_line.replication;
  auto cluster = LocalCluster::start(options);
  if (!cluster) {
    std::cerr << cluster.status().message() << "\n";
    return 1;
  }
  LoadOptions load;
  load.gateway_url = (*cluster)->gateway_url();
  load.concurrency = command_line.concurrency;
  load.duration = std::chrono::seconds(1);
  run_load(load);  // warm-up: connections, SQLite caches
  load.duration = std::chrono::seconds(command_line.seconds);
  load.key_prefix = "bench";
  LoadReport report = run_load(load);
  int64_t errors = static_cast<int64_t>(report.records.size()) - report.acknowledged;

  std::printf("refpay throughput: %s replication, 3 ledgers, concurrency %d, %d s, data in %s\n",
              command_line.replication.c_str(), command_line.concurrency, command_line.seconds, work_root.c_str());
  std::printf("%-26s %12s %12s %8s\n", "figure", "target", "measured", "ratio");
  std::printf("%-26s %12s %12.0f %8.2f\n", "payments/s (acknowledged)", ">= 3000",
              report.throughput_per_s, report.throughput_per_s / 3000.0);
  std::printf("%-26s %12s %12.2f\n", "latency p50 (ms)", "-", report.p50_ms);
  std::printf("%-26s %12s %12.2f %8.2f\n", "latency p99 (ms)", "< 20", report.p99_ms,
              report.p99_ms / 20.0);
  std::printf("%-26s %12s %12lld\n", "errors", "0", static_cast<long long>(errors));
  cluster->reset();
  std::filesystem::remove_all(pattern);
  return 0;
}
