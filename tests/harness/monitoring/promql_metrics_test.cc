// The metric names a rule's expression reads (what the drill checks the nodes expose).
#include "monitoring/promql_metrics.h"

#include <gtest/gtest.h>

namespace firedrill {
namespace {

using Names = std::set<std::string>;

TEST(PromqlMetrics, NamesNotFunctionsKeywordsLabelsOrNumbers) {
  EXPECT_EQ(metric_names_in("up == 0"), Names{"up"});
  EXPECT_EQ(metric_names_in(R"q(rate(http_requests_total{code=~"5..", job="a"}[5m]) > 0.5e3)q"),
            Names{"http_requests_total"});
  EXPECT_EQ(metric_names_in(R"q(sum by (job, instance) (rate(a_total[1m])) / on(job) group_left(team) sum without(code) (b))q"),
            (Names{"a_total", "b"}));
  EXPECT_EQ(metric_names_in(R"q((up{role="ledger"} == 0 and on(node) last_over_time(refpay_ledger_role_primary[5m]) == 1)
      or on(ledger) (refpay_arbiter_ledger_reachable{primary="1"} == 0))q"),
            (Names{"up", "refpay_ledger_role_primary", "refpay_arbiter_ledger_reachable"}));
  EXPECT_EQ(metric_names_in(R"q(abs(x_ms / 1000 - timestamp(x_ms)) > 2 unless y offset 5m)q"), (Names{"x_ms", "y"}));
  EXPECT_EQ(metric_names_in(R"q({__name__="by_name", job="j"} > bool 1)q"), Names{"by_name"});
  EXPECT_EQ(metric_names_in(R"q(label_replace(m, "dst", "$1", "src", "(.*)"))q"), Names{"m"});
  EXPECT_EQ(metric_names_in(R"q(histogram_quantile(0.99, sum by (le) (rate(lat_bucket[5m:30s]))))q"), Names{"lat_bucket"});
  EXPECT_EQ(metric_names_in("vector(1) > Inf"), Names{});
}

TEST(PromqlMetrics, PrometheusOwnSeriesAreNeverMissing) {
  for (const char* own : {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds"}) EXPECT_TRUE(prometheus_own_metric(own));
  EXPECT_FALSE(prometheus_own_metric("refpay_ledger_disk_full"));
}

}  // namespace
}  // namespace firedrill
