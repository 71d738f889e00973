// scoring/chart_series.h: the HTML chart's series, judged as scoring judges (core/percentile.h,
// core/steady_state.h).
#include "scoring/chart_series.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "scoring/scorer.h"

namespace firedrill {
namespace {

namespace json = boost::json;
constexpr int64_t kMs = 1'000'000;

json::object record(int64_t t_ns, const char* kind, int64_t latency_ns) {
  return json::object{{"t_ns", t_ns},
                      {"source", "workload"},
                      {"kind", kind},
                      {"key", "k" + std::to_string(t_ns)},
                      {"latency_ns", latency_ns}};
}

// Second 0: 10 ok payments of 1 … 10 ms. Second 1: 5 ok, 5 failed. The run ends at 2 s.
RunData two_seconds() {
  RunData d;
  d.run = json::object{
      {"steady_state", json::object{{"success_ratio_min", 0.99}, {"window_ms", 1000}}}};
  for (int i = 0; i < 10; ++i) add_record(d, record(i * 100 * kMs, "ok", (i + 1) * kMs));
  for (int i = 0; i < 10; ++i)
    add_record(d, record(1'000 * kMs + i * 100 * kMs, i < 5 ? "ok" : "fail", kMs));
  add_record(d, json::object{{"t_ns", 2'000 * kMs}, {"source", "harness"}, {"kind", "end"}});
  return d;
}

TEST(ChartSeries, BucketsOfOneSecondWithCountsPercentilesAndTheSteadyState) {
  const json::object chart = chart_series(two_seconds(), json::object{});
  EXPECT_EQ(chart.at("bucket_ns").as_int64(), 1'000 * kMs);
  const json::array& buckets = chart.at("buckets").as_array();
  ASSERT_EQ(buckets.size(), 2u);
  const json::object& first = buckets[0].as_object();
  EXPECT_EQ(first.at("ok").as_int64(), 10);
  EXPECT_EQ(first.at("errors").as_int64(), 0);
  EXPECT_DOUBLE_EQ(first.at("p50_ms").as_double(), 5.0);  // index ⌊0.5·9⌋ = 4
  EXPECT_DOUBLE_EQ(first.at("p99_ms").as_double(),
                   9.0);  // index ⌊0.99·9⌋ = 8, not the nearest rank's 10
  EXPECT_TRUE(first.at("steady").as_bool());
  const json::object& second = buckets[1].as_object();
  EXPECT_EQ(second.at("ok").as_int64(), 5);
  EXPECT_EQ(second.at("errors").as_int64(), 5);
  EXPECT_FALSE(second.at("steady").as_bool());  // 5 of 10 ok in the window ending at 2 s
}

TEST(ChartSeries, ReachesTheReportsLastFaultInstant) {
  const json::object report{
      {"faults", json::array{json::object{{"t0_ms", 4'500.0}, {"reverted_ms", nullptr}}}}};
  const json::object chart = chart_series(two_seconds(), report);
  EXPECT_EQ(chart.at("buckets").as_array().size(), 5u);  // 4.5 s in whole seconds
}

TEST(ChartSeries, WithoutCompletionsOneEmptyBucket) {
  const json::object chart = chart_series(RunData{}, json::object{});
  const json::array& buckets = chart.at("buckets").as_array();
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_TRUE(buckets[0].as_object().at("p99_ms").is_null());
  EXPECT_FALSE(buckets[0].as_object().at("steady").as_bool());
}

}  // namespace
}  // namespace firedrill
