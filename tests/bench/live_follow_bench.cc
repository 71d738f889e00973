// Benchmark: what `firedrill run --live` costs the controller (harness/live/). The page follows
// timeline.jsonl on a thread of its own: (1) decoding and folding every line into the live state,
// timed over a timeline of 1,000,000 payments written by the real writer (synthetic_timeline.h),
// as ns per line (CPU) and the share of one core it takes at refpay's fastest rate (about 10,000
// payments/s, two lines each: README, "Performance"); (2) redrawing the chart (at most once a
// second) and building one viewer's answer, for an hour-long drill at 200 payments/s (720,000
// completions spread over 3,600 s: the chart's 600-bucket bound reached); (3) the memory it
// holds, which must not grow with the drill.
//   live_follow_bench [--payments N] [--work-dir DIR]
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "live/live_state.h"
#include "live/timeline_follower.h"
#include "reports/timeline_chart.h"
#include "synthetic_timeline.h"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr double kRefpayLinesPerSecond = 2 * 10'173.0;  // refpay as fast as it goes (README)

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The process's resident memory now, in MiB (VmRSS).
double resident_mib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  }
  return 0;
}

json::object run_json() {
  return json::parse(R"({"detection":{"alerts":["LedgerPrimaryDown"]},
                         "phases":{"baseline_ms":60000,"fault_phase_ms":3480000,"convergence_ms":60000},
                         "nodes":[{"name":"ledger-1"},{"name":"ledger-2"},{"name":"ledger-3"}]})")
      .as_object();
}

struct Figures {
  double follow_ns_per_line = 0, follow_core_share = 0, follow_mib = 0;
  double chart_ms = 0, svg_kb = 0, view_kb = 0, state_mib = 0;
  std::size_t buckets = 0;
};

// (1) Following a written timeline.
void follow(const std::string& path, Figures& f) {
  firedrill::LiveState state(run_json());
  int64_t lines = 0;
  firedrill::TimelineFollower follower(path, [&](const firedrill::LineDecoder& line) {
    state.add(line.envelope().at(), line.record());
  });
  const double rss_before = resident_mib(), cpu_started = cpu_seconds();
  for (int64_t n = follower.poll(); n > 0; n = follower.poll()) lines += n;
  const double cpu = cpu_seconds() - cpu_started;
  const double ns_per_line = cpu * 1e9 / static_cast<double>(lines);
  f.follow_ns_per_line = ns_per_line;
  f.follow_core_share = ns_per_line * kRefpayLinesPerSecond / 1e9;
  f.follow_mib = resident_mib() - rss_before;
  std::printf("followed %lld lines in %.3f s CPU\n", static_cast<long long>(lines), cpu);
}

// (2) and (3): an hour at 200 payments/s, then the chart and one viewer's answer.
void hour_long_drill(Figures& f) {
  firedrill::LiveState state(run_json());
  const double rss_before = resident_mib();
  state.add(0, firedrill::HarnessPhase{.phase = "baseline"});
  state.add(60'000'000'000, firedrill::FaultApply{.fault = 0, .fault_kind = "process.kill", .node = "ledger-1"});
  state.add(60'000'000'001, firedrill::FaultApplied{{.fault = 0, .fault_kind = "process.kill", .verified = true}});
  for (int64_t i = 0; i < 720'000; ++i) {
    const int64_t t = i * 5'000'000;  // 200/s
    const firedrill::WorkloadCompletion c{.op = i, .key = "k", .attempt = 1, .status = 201,
                                          .latency_ns = 1'000'000 + (i * 7919) % 4'000'000};
    if (i % 100 == 0) state.add(t, firedrill::WorkloadUnknown{c});
    else state.add(t, firedrill::WorkloadOk{c});
    if (i % 200 == 0) state.add(t, firedrill::HarnessSteadyState{.steady = true});
  }
  std::vector<double> chart_ms;
  std::string svg;
  for (int r = 0; r < 20; ++r) {
    const auto started = std::chrono::steady_clock::now();
    svg.clear();
    firedrill::write_timeline_chart(svg, state.report_json(), state.chart_json(), state.events_json(),
                                    firedrill::LiveChart{.now_s = 3600, .axis_end_s = state.planned_end_s()});
    chart_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  }
  std::sort(chart_ms.begin(), chart_ms.end());
  const auto started = std::chrono::steady_clock::now();
  const std::string view = json::serialize(state.view(0));
  const double view_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  f.chart_ms = chart_ms[chart_ms.size() / 2];
  f.buckets = state.chart_json().at("buckets").as_array().size();
  f.svg_kb = static_cast<double>(svg.size()) / 1e3;
  f.view_kb = static_cast<double>(view.size()) / 1e3;
  f.state_mib = resident_mib() - rss_before;
  std::printf("a late viewer's first answer built in %.2f ms\n", view_ms);
}

void print_table(const Figures& f) {
  std::printf("%-52s %10s %10s %8s\n", "figure", "target", "measured", "ratio");
  std::printf("%-52s %10s %10.1f\n", "follow the timeline, CPU ns per line", "-", f.follow_ns_per_line);
  std::printf("%-52s %10s %10.3f %8.2f\n", "follow at refpay's fastest rate, share of a core", "<= 0.05",
              f.follow_core_share, f.follow_core_share / 0.05);
  std::printf("%-52s %10s %10.1f\n", "memory grown following 1M payments (MiB)", "-", f.follow_mib);
  std::printf("%-52s %10s %10.2f %8.2f\n", "hour-long drill, chart redraw (ms, once a second)", "< 50", f.chart_ms,
              f.chart_ms / 50);
  std::printf("%-52s %10s %10zu\n", "hour-long drill, chart buckets", "<= 600", f.buckets);
  std::printf("%-52s %10s %10.0f\n", "hour-long drill, chart SVG (KB)", "-", f.svg_kb);
  std::printf("%-52s %10s %10.1f\n", "hour-long drill, a viewer's answer, no SVG (KB)", "-", f.view_kb);
  std::printf("%-52s %10s %10.1f %8.2f\n", "hour-long drill, live state memory (MiB)", "< 16", f.state_mib,
              f.state_mib / 16);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"live_follow_bench: what the live page costs the controller"};
  int64_t payments = 1'000'000;
  std::string work_dir = fs::temp_directory_path().string();
  app.add_option("--payments", payments, "payments in the followed timeline (two workload lines each)");
  app.add_option("--work-dir", work_dir, "where the timeline is written");
  CLI11_PARSE(app, argc, argv);
  const std::string path = (fs::path(work_dir) / "live_follow_bench.jsonl").string();
  write_synthetic_timeline(path, payments);
  Figures figures;
  follow(path, figures);
  fs::remove(path);
  hour_long_drill(figures);
  print_table(figures);
  return 0;
}
