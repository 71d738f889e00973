// Alertmanager webhook JSON → alerts; see alert_webhook.h.
#include "runner/alert_webhook.h"

#include <boost/json.hpp>

#include "core/json_read.h"

namespace json = boost::json;

namespace firedrill {
namespace {

// Alertmanager's label values are strings; anything else is not a label and is dropped. Kept
// as is, a number such as 2.7e110 would be recorded as text that does not parse back to the same
// double (Boost.JSON's serializer is not round-trip exact), so the record on the timeline would
// not say what was received.
json::object string_labels(const json::object& labels) {
  json::object out;
  for (const auto& [name, value] : labels)
    if (value.is_string()) out.emplace(name, value);
  return out;
}

// "version" is "4" in Alertmanager's payload; a string or an integer is kept, anything else
// (a double, an object) reads as null for the same reason.
json::value version_of(const json::value& v) {
  return v.is_string() || v.is_int64() || v.is_uint64() ? v : json::value();
}

}  // namespace

Result<AlertWebhook> parse_alert_webhook(std::string_view body) {
  json::error_code ec;
  json::value parsed = json::parse(body, ec);
  const json::object* payload = ec ? nullptr : parsed.if_object();
  const json::value* alerts = payload ? payload->if_contains("alerts") : nullptr;
  if (!alerts || !alerts->is_array()) return Status::error("not Alertmanager webhook JSON");
  AlertWebhook out;
  if (const json::value* version = payload->if_contains("version")) out.version = version_of(*version);
  for (const json::value& a : alerts->as_array()) {
    const json::object* alert = a.if_object();
    const json::value* labels = alert ? alert->if_contains("labels") : nullptr;
    if (!labels || !labels->is_object()) continue;
    out.alerts.push_back(WebhookAlert{json_read::text(*alert, "status"), json_read::text(labels->as_object(), "alertname"),
                                      json_read::text(*alert, "startsAt"), string_labels(labels->as_object())});
  }
  return out;
}

}  // namespace firedrill
