// What the system's alerting posted to the controller's webhook (source "alertmanager"): each
// alert of a webhook, and each request turned away. Written by the runner's alert receiver; read
// by scoring (T_detect) and the HTML report.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "timeline/record_codec.h"

namespace firedrill {

inline constexpr std::string_view kAlertmanagerSource = "alertmanager";

// One alert of a webhook.
struct AlertmanagerAlert {
  static constexpr std::string_view source = kAlertmanagerSource, kind = "alert";
  std::string status{};  // "firing", "resolved"
  std::string alertname{};
  boost::json::object labels{};  // the string-valued labels, as posted
  std::string starts_at{};       // RFC 3339 as sent
  boost::json::value version{};  // the webhook's "version": a string, an integer or null
  static constexpr auto fields() {
    using R = AlertmanagerAlert;
    return std::tuple{field("status", &R::status), field("alertname", &R::alertname), field("labels", &R::labels),
                      field("starts_at", &R::starts_at), field("version", &R::version)};
  }
};

// A webhook request turned away (malformed, too large, too slow, not a webhook).
struct AlertmanagerAlertRejected {
  static constexpr std::string_view source = kAlertmanagerSource, kind = "alert_rejected";
  int64_t status = 0;  // the HTTP status answered
  std::optional<int64_t> bytes{};  // the body's size, when it was read
  std::string error{};
  static constexpr auto fields() {
    using R = AlertmanagerAlertRejected;
    return std::tuple{field("status", &R::status), field("bytes", &R::bytes), field("error", &R::error)};
  }
};

}  // namespace firedrill
