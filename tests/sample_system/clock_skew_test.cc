// refpay under clock skew: every ledger runs with libfaketime preloaded and its own control
// file; the test rewrites the primary's file at run time, as the clock.skew fault will.
// Needs Debian's libfaketime (skips without it, fails in CI).
#include <filesystem>
#include <fstream>

#include "sample_system/refpay_fixture.h"
#include "testing/prerequisite.h"

namespace refpay::testing {
namespace {

const char* const kFaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

void set_skew(const LocalCluster& cluster, int index, const std::string& offset) {
  std::ofstream(cluster.clock_file(index), std::ios::trunc) << offset << "\n";
}

std::unique_ptr<LocalCluster> start(const TempDir& dir, LocalClusterOptions options) {
  options.work_dir = dir.path();
  options.faketime = true;
  auto cluster = LocalCluster::start(options);
  EXPECT_TRUE(cluster) << cluster.status().message();
  return cluster ? std::move(*cluster) : nullptr;
}

TEST(RefpayClockSkew, ASkewedPrimaryRefusesPaymentsRaisesTheAlertAndServesAgainWhenReverted) {
  FIREDRILL_REQUIRE(std::filesystem::exists(kFaketime), std::string("libfaketime at ") + kFaketime);
  TempDir dir;
  AlertReceiver alerts;
  LocalClusterOptions options;
  options.alert_url = alerts.url();
  auto cluster = start(dir, options);
  ASSERT_TRUE(cluster);
  int primary = cluster->primary_index().value();
  EXPECT_EQ(pay(cluster->gateway_url(), make_payment("k-0", "acct-1", "acct-2", 1)).status, 201);

  set_skew(*cluster, primary, "+10m");
  auto refused = http_call(cluster->gateway_url(), "POST", "/v1/payments",
                           payment_request_json(make_payment("k-1", "acct-1", "acct-2", 1)));
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(json_of(refused.body)["error"], "clock_skew");
  EXPECT_TRUE(alerts.wait_for("firing", "LedgerClockRejections", cluster->ledger_id(primary)));
  EXPECT_TRUE(alerts.wait_for("firing", "LedgerClockSkew", cluster->ledger_id(primary)));

  set_skew(*cluster, primary, "+0");
  EXPECT_EQ(pay(cluster->gateway_url(), make_payment("k-2", "acct-1", "acct-2", 1)).status, 201);
  EXPECT_TRUE(alerts.wait_for("resolved", "LedgerClockSkew", cluster->ledger_id(primary)));
  auto keys = keys_in(export_of(*cluster, primary));
  EXPECT_EQ(keys.count("k-1"), 0u) << "a refused payment must not be applied";
  EXPECT_EQ(keys["k-2"], 1);
}

TEST(RefpayClockSkew, WithAShortIdempotencyTtlARetryAfterAForwardSkewIsAppliedTwice) {
  FIREDRILL_REQUIRE(std::filesystem::exists(kFaketime), std::string("libfaketime at ") + kFaketime);
  TempDir dir;
  LocalClusterOptions options;
  options.idempotency_ttl_ms = 60'000;           // keys are remembered for one minute ...
  options.freshness_window_ms = 3'600'000;       // ... and timestamps may be an hour off
  auto cluster = start(dir, options);
  ASSERT_TRUE(cluster);
  int primary = cluster->primary_index().value();
  PaymentRequest payment = make_payment("retried", "acct-1", "acct-2", 500);
  auto first = http_call(cluster->gateway_url(), "POST", "/v1/payments", payment_request_json(payment));
  ASSERT_EQ(first.status, 201);

  set_skew(*cluster, primary, "+5m");  // the primary's clock jumps past the key's TTL
  auto retry = http_call(cluster->gateway_url(), "POST", "/v1/payments", payment_request_json(payment));
  ASSERT_EQ(retry.status, 201);
  EXPECT_NE(json_of(retry.body)["position"], json_of(first.body)["position"]) << "applied again";

  ASSERT_TRUE(cluster->wait_converged(std::chrono::seconds(5)));
  EXPECT_EQ(keys_in(export_of(*cluster, primary))["retried"], 2) << "the duplicate a drill must catch";
  auto balance = json_of(http_call(cluster->gateway_url(), "GET", "/v1/accounts/acct-1").body);
  EXPECT_EQ(balance["balance"].as_int64(), 1'000'000'000 - 1000);
}

}  // namespace
}  // namespace refpay::testing
