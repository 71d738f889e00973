// Fuzz target: the Alertmanager webhook receiver's JSON (harness/runner: parse_alert_webhook) on
// any bytes as a request body.
// Must hold: an accepted body yields at most one alert per byte, each with the alertname of its
// labels; the timeline record the receiver writes for each serializes and reads back unchanged.
#include <boost/json.hpp>

#include "runner/alert_webhook.h"
#include "targets.h"

namespace json = boost::json;

namespace firedrill::fuzz {

void alert_webhook(std::string_view input) {
  Result<AlertWebhook> webhook = parse_alert_webhook(input);
  if (!webhook) {
    FUZZ_CHECK(!webhook.status().message().empty(), "rejected without a reason");
    return;
  }
  FUZZ_CHECK(webhook->alerts.size() <= input.size(), std::to_string(webhook->alerts.size()) + " alerts");
  for (const WebhookAlert& alert : webhook->alerts) {
    const json::value* name = alert.labels.if_contains("alertname");
    FUZZ_CHECK(alert.alertname == (name && name->is_string() ? std::string_view(name->as_string()) : ""),
               alert.alertname);
    // As AlertReceiver records it (alert_receiver.cc).
    json::object record{{"status", alert.status},           {"alertname", alert.alertname},
                        {"labels", alert.labels},           {"starts_at", alert.starts_at},
                        {"version", webhook->version}};
    const std::string text = json::serialize(record);
    json::error_code ec;
    json::value back = json::parse(text, ec);
    FUZZ_CHECK(!ec && back == json::value(record), text);
  }
}

}  // namespace firedrill::fuzz
