// LiveSeries; see live_series.h.
#include "live/live_series.h"

#include <algorithm>
#include <boost/json.hpp>

#include "core/limits.h"
#include "core/percentile.h"

namespace json = boost::json;

namespace firedrill {
namespace {

std::optional<double> percentile_ms(std::vector<int64_t> sample, double p) {
  auto v = percentile(sample, p);
  return v ? std::optional<double>(static_cast<double>(*v) / 1e6) : std::nullopt;
}

json::value optional_number(const std::optional<double>& v) { return v ? json::value(*v) : json::value(nullptr); }

}  // namespace

void LiveSeries::add(int64_t t_ns, bool ok, std::optional<int64_t> latency_ns) {
  if (t_ns < 0) return;
  auto index = static_cast<std::size_t>(t_ns / width_ns_);
  while (index > closed_.size()) {
    close_open_bucket();
    if (closed_.size() >= kChartBucketsMax) {
      merge_pairs();
      index = static_cast<std::size_t>(t_ns / width_ns_);
    }
  }
  // A completion that arrives after its bucket closed still counts (its latency is not kept).
  Bucket& b = index < closed_.size() ? closed_[index] : open_;
  has_open_ = has_open_ || index == closed_.size();
  (ok ? b.ok : b.errors) += 1;
  if (!ok || !latency_ns || index < closed_.size()) return;
  if (latency_seen_++ % latency_stride_ != 0) return;
  open_latencies_.push_back(*latency_ns);
  if (open_latencies_.size() >= kLiveLatencySamplesMax) {  // thin to every other sample
    for (std::size_t i = 0; i < open_latencies_.size() / 2; ++i) open_latencies_[i] = open_latencies_[2 * i];
    open_latencies_.resize(open_latencies_.size() / 2);
    latency_stride_ *= 2;
  }
}

void LiveSeries::close_open_bucket() {
  open_.p50_ms = percentile_ms(open_latencies_, 0.50);
  open_.p99_ms = percentile_ms(open_latencies_, 0.99);
  closed_.push_back(open_);
  open_ = Bucket{};
  has_open_ = false;
  open_latencies_.clear();
  latency_stride_ = 1;
  latency_seen_ = 0;
}

void LiveSeries::merge_pairs() {
  std::vector<Bucket> merged;
  for (std::size_t i = 0; i < closed_.size(); i += 2) {
    Bucket m = closed_[i];
    if (i + 1 < closed_.size()) {
      const Bucket& n = closed_[i + 1];
      m.ok += n.ok;
      m.errors += n.errors;
      if (m.p50_ms && n.p50_ms) m.p50_ms = (*m.p50_ms + *n.p50_ms) / 2;
      else if (!m.p50_ms) m.p50_ms = n.p50_ms;
      if (n.p99_ms) m.p99_ms = std::max(m.p99_ms.value_or(0), *n.p99_ms);
    }
    merged.push_back(m);
  }
  closed_ = std::move(merged);
  width_ns_ *= 2;
}

json::object LiveSeries::bucket_json(const Bucket& b) {
  return json::object{{"ok", b.ok}, {"errors", b.errors}, {"p50_ms", optional_number(b.p50_ms)},
                      {"p99_ms", optional_number(b.p99_ms)}};
}

json::object LiveSeries::json() const {
  json::array buckets;
  for (const Bucket& b : closed_) buckets.push_back(bucket_json(b));
  if (has_open_) {
    Bucket open = open_;
    open.p50_ms = percentile_ms(open_latencies_, 0.50);
    open.p99_ms = percentile_ms(open_latencies_, 0.99);
    buckets.push_back(bucket_json(open));
  }
  return json::object{{"bucket_ns", width_ns_}, {"buckets", std::move(buckets)}};
}

}  // namespace firedrill
