// Benchmark: decoding a timeline of 1,000,000 payments (2,000,000 workload lines) with the typed
// reader (harness/timeline/reader.h), the way scoring reads a run directory. The timeline is
// written first with the real writer (Timeline::write, hash chain and all; not timed): an invoke
// and a completion per payment, 2% of completions unknown with an escaped error body as the
// gateway sends it, 1% fail, a probe and a steady-state record every 1,000 payments. Then
// read_timeline() runs over it (best of rounds) and the figure is the wall time per line,
// reading the file included, beside the CPU time per line (the figure to trust on a shared
// machine, where wall time counts other processes' turns); the target is 150 ns per line (the whole `firedrill score` of such a
// run must stay under 1 s). --boost also times parsing every line with boost::json, as scoring
// did before the typed reader, for comparison. The file is removed at the end unless --keep.
//   timeline_read_bench [--payments N] [--rounds N] [--work-dir DIR] [--keep] [--boost]
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include "synthetic_timeline.h"
#include "timeline/reader.h"
#include "timeline/timeline.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kNsPerLineMax = 150.0;


struct Counts {
  int64_t lines = 0, workload = 0, other = 0, unreadable = 0, checksum = 0;
};

Counts read_typed(const std::string& path) {
  Counts c;
  firedrill::Status s = firedrill::read_timeline(
      path,
      [&](int64_t, const firedrill::LineDecoder& line) {
        ++c.lines;
        c.checksum += line.envelope().at();
        if (auto* invoke = std::get_if<firedrill::WorkloadInvoke>(&line.record())) {
          ++c.workload;
          c.checksum += invoke->amount + static_cast<int64_t>(invoke->key.size());
        } else if (auto* ok = std::get_if<firedrill::WorkloadOk>(&line.record())) {
          ++c.workload;
          c.checksum += ok->latency_ns.value_or(0);
        } else if (line.envelope().source == firedrill::kWorkloadSource) {
          ++c.workload;
        } else {
          ++c.other;
        }
      },
      [&](int64_t) { ++c.unreadable; });
  if (!s) throw std::runtime_error(s.message());
  return c;
}

int64_t read_boost(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  int64_t objects = 0;
  for (std::string line; std::getline(in, line);) {
    boost::json::error_code ec;
    unsigned char buffer[4096];
    boost::json::monotonic_resource scratch(buffer, sizeof buffer);
    boost::json::value v = boost::json::parse(line, ec, boost::json::storage_ptr(&scratch));
    objects += !ec && v.is_object();
  }
  return objects;
}

double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"timeline_read_bench: typed decoding of a 1M-payment timeline"};
  int64_t payments = 1'000'000;
  int rounds = 3;
  std::string work_dir = fs::temp_directory_path().string();
  bool keep = false, boost_too = false;
  app.add_option("--payments", payments, "payments (two workload lines each)");
  app.add_option("--rounds", rounds, "reads (the best is reported)");
  app.add_option("--work-dir", work_dir, "where the timeline is written");
  app.add_flag("--keep", keep, "keep the timeline");
  app.add_flag("--boost", boost_too, "also time boost::json::parse of every line");
  CLI11_PARSE(app, argc, argv);

  const std::string path = (fs::path(work_dir) / "timeline_read_bench.jsonl").string();
  auto started = Clock::now();
  write_synthetic_timeline(path, payments);
  std::printf("wrote %s: %.0f MB in %.1f s\n", path.c_str(), static_cast<double>(fs::file_size(path)) / 1e6,
              seconds_since(started));

  double best = 1e9, best_cpu = 1e9;
  Counts counts;
  for (int r = 0; r < rounds; ++r) {
    started = Clock::now();
    const double cpu_started = cpu_seconds();
    counts = read_typed(path);
    best = std::min(best, seconds_since(started));
    best_cpu = std::min(best_cpu, cpu_seconds() - cpu_started);
  }
  const double lines = static_cast<double>(counts.lines);
  const double ns_per_line = best * 1e9 / lines, cpu_ns_per_line = best_cpu * 1e9 / lines;
  std::printf("typed read: %lld lines (%lld workload, %lld other, %lld unreadable) in %.3f s wall, %.3f s CPU: "
              "%.1f ns/line wall, %.1f ns/line CPU (target <= %.0f) [checksum %lld]\n",
              static_cast<long long>(counts.lines), static_cast<long long>(counts.workload),
              static_cast<long long>(counts.other), static_cast<long long>(counts.unreadable), best, best_cpu,
              ns_per_line, cpu_ns_per_line, kNsPerLineMax, static_cast<long long>(counts.checksum));
  if (boost_too) {
    started = Clock::now();
    const int64_t objects = read_boost(path);
    const double seconds = seconds_since(started);
    std::printf("boost::json::parse of every line: %lld objects in %.3f s: %.1f ns/line\n",
                static_cast<long long>(objects), seconds, seconds * 1e9 / static_cast<double>(objects));
  }
  if (!keep) fs::remove(path);
  return cpu_ns_per_line <= kNsPerLineMax ? 0 : 1;
}
