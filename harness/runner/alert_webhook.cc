// Alertmanager webhook JSON → alerts; see alert_webhook.h.
#include "runner/alert_webhook.h"

#include <boost/json.hpp>

namespace json = boost::json;

namespace firedrill {
namespace {

std::string string_at(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

Result<AlertWebhook> parse_alert_webhook(std::string_view body) {
  json::error_code ec;
  json::value parsed = json::parse(body, ec);
  const json::object* payload = ec ? nullptr : parsed.if_object();
  const json::value* alerts = payload ? payload->if_contains("alerts") : nullptr;
  if (!alerts || !alerts->is_array()) return Status::error("not Alertmanager webhook JSON");
  AlertWebhook out;
  if (const json::value* version = payload->if_contains("version")) out.version = *version;
  for (const json::value& a : alerts->as_array()) {
    const json::object* alert = a.if_object();
    const json::value* labels = alert ? alert->if_contains("labels") : nullptr;
    if (!labels || !labels->is_object()) continue;
    out.alerts.push_back(WebhookAlert{string_at(*alert, "status"), string_at(labels->as_object(), "alertname"),
                                      string_at(*alert, "startsAt"), labels->as_object()});
  }
  return out;
}

}  // namespace firedrill
