// The pure part of the Alertmanager webhook receiver (alert_receiver.h): a webhook body → its
// alerts, as the receiver records them on the timeline. Apart from the server so that it is
// tested and fuzzed (tests/fuzz/) without a socket or a timeline.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace firedrill {

// One alert of a webhook payload. A field that is absent or not a string reads as empty;
// `status` is what the sender wrote ("firing" or "resolved"), not checked here.
struct WebhookAlert {
  std::string status;
  std::string alertname;  // labels.alertname
  std::string starts_at;  // startsAt, RFC 3339 as sent
  boost::json::object labels;  // the string-valued labels only
};

// A webhook payload: its "version" (null when absent or neither a string nor an integer) and every alert that has a labels object.
struct AlertWebhook {
  boost::json::value version;
  std::vector<WebhookAlert> alerts;
};

// Parses a webhook body (bounded by the caller). An error when it is not JSON, or not an object
// with an "alerts" array; alerts without a labels object are skipped.
Result<AlertWebhook> parse_alert_webhook(std::string_view body);

}  // namespace firedrill
