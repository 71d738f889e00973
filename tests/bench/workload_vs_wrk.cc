// Benchmark: how close the payments workload comes to wrk, the usual HTTP load generator, against
// the same trivial server (HttpServer answering 201 "{}" on 127.0.0.1, on its own thread). wrk
// runs closed loop with 64 connections; the workload runs open loop far above capacity
// (100,000/s) with in_flight_max 64, writing a real hash-chained timeline, and we count its
// completed requests per second. Target: workload >= 0.5 × wrk. Not a test: it prints figures.
//   workload_vs_wrk_bench [--seconds N]
// Without wrk on the PATH (e.g. a laptop) it says so and exits 0.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <pthread.h>
#include <time.h>

#include "net/http.h"
#include "timeline/timeline.h"
#include "workload/payment_workload.h"

namespace asio = boost::asio;
using namespace firedrill;

namespace {

// Runs wrk against `url` with a Lua script that POSTs a small JSON payment; returns Requests/sec
// (negative when wrk's output has none).
double run_wrk(const std::string& dir, const std::string& url, int seconds) {
  const std::string script = dir + "/post.lua";
  std::ofstream(script) << "wrk.method = \"POST\"\n"
                           "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
                           "wrk.body = '{\"idempotency_key\":\"bench-1\",\"from\":\"acct-1\","
                           "\"to\":\"acct-2\",\"amount\":7,\"timestamp_ms\":1700000000000}'\n";
  const std::string command = "wrk -t1 -c64 -d" + std::to_string(seconds) + "s -s " + script +
                              " " + url + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return -1;
  double requests_per_s = -1;
  char line[512];
  while (std::fgets(line, sizeof line, pipe)) {
    std::fputs(line, stdout);
    std::sscanf(line, " Requests/sec: %lf", &requests_per_s);
  }
  ::pclose(pipe);
  return requests_per_s;
}

// CPU time of a thread so far, in seconds.
double cpu_s(pthread_t thread) {
  clockid_t clock;
  timespec now{};
  if (pthread_getcpuclockid(thread, &clock) != 0 || clock_gettime(clock, &now) != 0) return 0;
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"payments workload vs wrk"};
  int seconds = 5;
  app.add_option("--seconds", seconds)->check(CLI::Range(1, 600));
  CLI11_PARSE(app, argc, argv);

  if (std::system("command -v wrk >/dev/null 2>&1") != 0) {
    std::printf("workload_vs_wrk_bench: wrk is not installed (apt-get install wrk); nothing to "
                "compare against, skipping.\n");
    return 0;
  }
  std::string dir = (std::filesystem::temp_directory_path() / "firedrill-wl-bench-XXXXXX").string();
  if (!::mkdtemp(dir.data())) {
    std::fprintf(stderr, "cannot create a temporary directory\n");
    return 1;
  }

  asio::io_context server_io;
  HttpServer server(server_io, [](HttpRequest&&, Respond respond) {
    respond(HttpResponse{201, "{}"});
  });
  if (Status status = server.listen("127.0.0.1", 0); !status) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    return 1;
  }
  std::thread server_thread([&server_io] { server_io.run(); });
  const std::string base_url = "http://127.0.0.1:" + std::to_string(server.port());

  std::printf("== wrk -t1 -c64 -d%ds (POST, small JSON body)\n", seconds);
  const double server_cpu_wrk_before = cpu_s(server_thread.native_handle());
  const double wrk_per_s = run_wrk(dir, base_url + "/v1/payments", seconds);
  const double server_cpu_wrk = cpu_s(server_thread.native_handle()) - server_cpu_wrk_before;
  std::printf("CPU busy during the run: server thread %.0f%%\n", 100 * server_cpu_wrk / seconds);

  std::printf("== payments workload, 100000/s offered, in_flight_max 64, %d s\n", seconds);
  auto timeline = Timeline::create(dir + "/timeline.jsonl");
  if (!timeline) {
    std::fprintf(stderr, "%s\n", timeline.status().message().c_str());
    return 1;
  }
  asio::io_context io;
  WorkloadSpec spec;
  spec.rate_per_s = 100'000;
  spec.in_flight_max = 64;
  spec.accounts = 64;
  spec.timeout = std::chrono::milliseconds(1'000);
  PaymentContract contract;
  contract.base_url = base_url;
  PaymentWorkload workload(io, spec, contract, 42, **timeline);
  PaymentWorkload::Stats at_stop;
  bool drained = false;
  const auto started = std::chrono::steady_clock::now();
  const double workload_cpu_before = cpu_s(pthread_self());
  const double server_cpu_before = cpu_s(server_thread.native_handle());
  double workload_cpu = 0;
  double server_cpu = 0;
  if (Status status = workload.start(); !status) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    return 1;
  }
  double elapsed_s = 0;
  asio::steady_timer stop_timer(io, std::chrono::seconds(seconds));
  stop_timer.async_wait([&](boost::system::error_code) {
    at_stop = workload.totals();
    elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    workload_cpu = cpu_s(pthread_self()) - workload_cpu_before;
    server_cpu = cpu_s(server_thread.native_handle()) - server_cpu_before;
    workload.stop([&] { drained = true; });
  });
  while (!drained) io.run_one();
  const PaymentWorkload::Stats totals = workload.totals();

  server_io.stop();
  server_thread.join();

  const double completed = static_cast<double>(at_stop.ok + at_stop.fail + at_stop.unknown);
  const double workload_per_s = completed / elapsed_s;
  std::printf("workload: ok %lld, fail %lld, unknown %lld, skipped %lld, p50 %.3f ms, p99 %.3f ms,"
              " timeline %lld records (%.1f MB)\n",
              static_cast<long long>(totals.ok), static_cast<long long>(totals.fail),
              static_cast<long long>(totals.unknown), static_cast<long long>(totals.skipped),
              totals.latency_p50_ms, totals.latency_p99_ms,
              static_cast<long long>((*timeline)->records()),
              static_cast<double>(std::filesystem::file_size((*timeline)->path())) / 1e6);
  std::printf("CPU busy during the run: workload thread %.0f%%, server thread %.0f%% "
              "(%.1f us of workload CPU per request)\n",
              100 * workload_cpu / elapsed_s, 100 * server_cpu / elapsed_s,
              1e6 * workload_cpu / std::max(completed, 1.0));
  std::printf("\n%-30s %12s %12s %8s %10s\n", "figure", "wrk", "workload", "ratio", "target");
  if (wrk_per_s > 0) {
    std::printf("%-30s %12.0f %12.0f %8.2f %10s\n", "completed requests/s", wrk_per_s,
                workload_per_s, workload_per_s / wrk_per_s, ">= 0.50");
  } else {
    std::printf("%-30s %12s %12.0f %8s %10s\n", "completed requests/s", "(no figure)",
                workload_per_s, "-", ">= 0.50");
  }
  std::filesystem::remove_all(dir);
  return 0;
}
