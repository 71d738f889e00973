// The live page's chart series: per bucket, the payments that succeeded, those that did not
// (fail + unknown) and the p50 / p99 latency of the successful ones, built from the workload's
// completions as the timeline gets them. The same shape as scoring's chart series
// (harness/scoring/chart_series.h), so that one function draws both (reports/timeline_chart.h).
//
// Bounded however long the drill: at most kChartBucketsMax buckets (beyond, pairs merge and the
// width doubles: a merged p50 is the mean of the two, its p99 the larger; the report's are
// exact), and at most kLiveLatencySamplesMax latencies held for the open bucket.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <vector>

namespace firedrill {

inline constexpr std::size_t kLiveLatencySamplesMax = 1 << 16;

class LiveSeries {
 public:
  // One completion at `t_ns` (since the drill started); a latency only for a successful one.
  void add(int64_t t_ns, bool ok, std::optional<int64_t> latency_ns);

  // {"bucket_ns": W, "buckets": [{"ok", "errors", "p50_ms", "p99_ms"}, ...]} up to the last
  // completion (the open bucket included).
  boost::json::object json() const;
  int64_t bucket_ns() const { return width_ns_; }

 private:
  struct Bucket {
    int64_t ok = 0, errors = 0;
    std::optional<double> p50_ms, p99_ms;
  };
  void close_open_bucket();
  void merge_pairs();
  static boost::json::object bucket_json(const Bucket& b);

  int64_t width_ns_ = 1'000'000'000;
  std::vector<Bucket> closed_;  // buckets 0 .. closed_.size()-1
  Bucket open_;                 // bucket closed_.size()
  bool has_open_ = false;
  std::vector<int64_t> open_latencies_;
  int64_t latency_stride_ = 1, latency_seen_ = 0;  // keep every stride-th sample past the limit
};

}  // namespace firedrill
