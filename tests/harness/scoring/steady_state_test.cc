// core/steady_state.h: the one steady-state judgement over a window of completions.
#include "core/steady_state.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace firedrill {
namespace {

constexpr int64_t kMs = 1'000'000;

std::vector<Completion> completions(int ok, int failed, int64_t latency_ns = kMs) {
  std::vector<Completion> out;
  for (int i = 0; i < ok + failed; ++i) {
    out.push_back(Completion{i * kMs, i < ok ? Outcome::ok : Outcome::fail, latency_ns});
  }
  return out;
}

TEST(SteadyState, EmptyWindowIsNotSteady) {
  std::vector<int64_t> scratch;
  const WindowStats w = window_stats({}, scratch);
  EXPECT_EQ(w.completions, 0);
  EXPECT_FALSE(w.latency_p99_ns.has_value());
  EXPECT_FALSE(is_steady(w, SteadyStateThresholds{0.0, std::nullopt}));
}

TEST(SteadyState, OkRatioAtTheMinimumIsSteady) {
  std::vector<int64_t> scratch;
  const auto window = completions(99, 1);
  const WindowStats w = window_stats(window, scratch);
  EXPECT_EQ(w.completions, 100);
  EXPECT_EQ(w.ok, 99);
  EXPECT_DOUBLE_EQ(w.ok_ratio(), 0.99);
  EXPECT_TRUE(is_steady(w, SteadyStateThresholds{0.99, std::nullopt}));
  EXPECT_FALSE(is_steady(w, SteadyStateThresholds{0.995, std::nullopt}));
}

TEST(SteadyState, P99IsOfTheOkCompletionsOnly) {
  std::vector<Completion> window = completions(100, 0);
  for (int i = 0; i < 100; ++i) window[i].latency_ns = (i + 1) * kMs;    // 1 … 100 ms
  window.push_back(Completion{200 * kMs, Outcome::fail, 10'000 * kMs});  // not counted
  std::vector<int64_t> scratch;
  const WindowStats w = window_stats(window, scratch);
  EXPECT_EQ(w.latency_p99_ns, 99 * kMs);  // index ⌊0.99·99⌋ = 98
  EXPECT_TRUE(is_steady(w, SteadyStateThresholds{0.99, 99 * kMs}));
  EXPECT_FALSE(is_steady(w, SteadyStateThresholds{0.99, 98 * kMs}));
}

TEST(SteadyState, NoOkCompletionMeansLatencyIsNotJudged) {
  std::vector<int64_t> scratch;
  const WindowStats w = window_stats(completions(0, 3), scratch);
  EXPECT_FALSE(w.latency_p99_ns.has_value());
  EXPECT_TRUE(is_steady(w, SteadyStateThresholds{0.0, 1}));
  EXPECT_FALSE(is_steady(w, SteadyStateThresholds{0.5, 1}));
}

TEST(SteadyState, WindowEndingAtIsHalfOpen) {
  const auto all = completions(10, 0);                     // at 0, 1, …, 9 ms
  const auto w = window_ending_at(all, 5 * kMs, 3 * kMs);  // [2 ms, 5 ms)
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w.front().t_ns, 2 * kMs);
  EXPECT_EQ(w.back().t_ns, 4 * kMs);
  EXPECT_TRUE(window_ending_at(all, 0, kMs).empty());
  EXPECT_EQ(window_ending_at(all, 100 * kMs, 1'000 * kMs).size(), 10u);
}

}  // namespace
}  // namespace firedrill
