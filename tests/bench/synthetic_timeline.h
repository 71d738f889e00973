// A timeline of `payments` payments as a real drill writes it, for the benchmarks that read one
// (timeline_read_bench, live_follow_bench): written with the real writer (Timeline::write, hash
// chain and all), an invoke and a completion per payment, 2% of completions unknown with an
// escaped error body as the gateway sends it, 1% fail, a probe and a steady-state record every
// 1,000 payments.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "timeline/timeline.h"

namespace {

inline void write_synthetic_timeline(const std::string& path, int64_t payments) {
  auto timeline = firedrill::Timeline::create(path, firedrill::HarnessStart{.scenario = "synthetic"});
  if (!timeline) throw std::runtime_error(timeline.status().message());
  firedrill::Timeline& t = **timeline;
  const std::string error = "HTTP 504: {\"error\":\"outcome_unknown\",\"message\":\"ledger-1: keep-alive connection "
                            "lost: the payment may or may not be committed\"}";
  for (int64_t n = 0; n < payments; ++n) {
    const std::string key = "bdd732262feb6e95-" + std::to_string(n);
    const std::string from = "acct-" + std::to_string(n % 64), to = "acct-" + std::to_string((n * 7 + 1) % 64);
    t.write(firedrill::WorkloadInvoke{.op = n + 1, .key = key, .from = from, .to = to, .amount = 1 + n % 100,
                                      .attempt = 1});
    const auto outcome = n % 100 < 2   ? firedrill::WorkloadOutcome::unknown
                         : n % 100 < 3 ? firedrill::WorkloadOutcome::fail
                                       : firedrill::WorkloadOutcome::ok;
    const bool ok = outcome == firedrill::WorkloadOutcome::ok;
    t.write(firedrill::workload_completion(
        outcome, {.op = n + 1, .key = key, .attempt = 1, .status = ok ? 201 : 504, .latency_ns = 1'000'000 + n % 7919,
                  .error = ok ? std::nullopt : std::optional<std::string_view>(error)}));
    if (n % 1000 == 0) {
      t.write(firedrill::ProbeHealth{.node = "ledger-1", .ok = true, .status = 200, .latency_ns = 1000, .error = ""});
      t.write(firedrill::HarnessSteadyState{.steady = true, .ok = 200, .fail = 0, .unknown = 0, .p99_ms = 5.641851});
    }
  }
  if (!t.status()) throw std::runtime_error(t.status().message());
}

}  // namespace
