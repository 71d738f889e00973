// Tests of the webhook JSON → alerts step of the alert receiver (harness/runner/alert_webhook.h),
// with the payload refpay's arbiter posts and the malformed shapes the receiver must reject or skip.
#include "runner/alert_webhook.h"

#include <gtest/gtest.h>

namespace firedrill {
namespace {

TEST(AlertWebhook, ReadsEveryAlertWithItsLabelsAndTheVersion) {
  auto webhook = parse_alert_webhook(R"({"version":"4","status":"firing","alerts":[
      {"status":"firing","labels":{"alertname":"LedgerPrimaryDown","node":"ledger-1"},"startsAt":"2026-11-27T23:24:13.458Z"},
      {"status":"resolved","labels":{"alertname":"ReplicationLag"}}]})");
  ASSERT_TRUE(webhook.is_ok()) << webhook.status().message();
  EXPECT_EQ(webhook->version, boost::json::value("4"));
  ASSERT_EQ(webhook->alerts.size(), 2u);
  EXPECT_EQ(webhook->alerts[0].status, "firing");
  EXPECT_EQ(webhook->alerts[0].alertname, "LedgerPrimaryDown");
  EXPECT_EQ(webhook->alerts[0].starts_at, "2026-11-27T23:24:13.458Z");
  EXPECT_EQ(webhook->alerts[0].labels.at("node"), "ledger-1");
  EXPECT_EQ(webhook->alerts[1].status, "resolved");
  EXPECT_EQ(webhook->alerts[1].starts_at, "");
}

TEST(AlertWebhook, RejectsWhatIsNotWebhookJson) {
  for (const char* body : {"", "not json", "[]", "{}", R"({"alerts":{}})", R"({"alerts":[)"}) {
    auto webhook = parse_alert_webhook(body);
    ASSERT_FALSE(webhook.is_ok()) << body;
    EXPECT_EQ(webhook.status().message(), "not Alertmanager webhook JSON");
  }
}

TEST(AlertWebhook, SkipsAlertsWithoutLabelsAndReadsOtherTypesAsEmpty) {
  auto webhook = parse_alert_webhook(
      R"({"alerts":[5,null,{},{"labels":[]},{"status":1,"labels":{"alertname":2},"startsAt":false}]})");
  ASSERT_TRUE(webhook.is_ok());
  EXPECT_TRUE(webhook->version.is_null());
  ASSERT_EQ(webhook->alerts.size(), 1u);
  EXPECT_EQ(webhook->alerts[0].status, "");
  EXPECT_EQ(webhook->alerts[0].alertname, "");
  EXPECT_EQ(webhook->alerts[0].starts_at, "");
}

// Alertmanager's label values are strings; a number would be recorded as text that does not
// parse back to the same double (found by the alert_webhook fuzzer), so only strings are kept.
TEST(AlertWebhook, KeepsStringLabelsAndAStringOrIntegerVersionOnly) {
  auto webhook = parse_alert_webhook(
      R"({"version":2.7e110,"alerts":[{"labels":{"alertname":"X","node":"ledger-2","n":2.7e110,"o":{},"b":true}}]})");
  ASSERT_TRUE(webhook.is_ok());
  EXPECT_TRUE(webhook->version.is_null());
  ASSERT_EQ(webhook->alerts.size(), 1u);
  EXPECT_EQ(webhook->alerts[0].labels, (boost::json::object{{"alertname", "X"}, {"node", "ledger-2"}}));
  EXPECT_EQ(parse_alert_webhook(R"({"version":4,"alerts":[]})")->version, boost::json::value(4));
}

}  // namespace
}  // namespace firedrill
