// Alert bookkeeping and Alertmanager-format webhook delivery; see alerts.h.
#include "arbiter/alerts.h"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <ctime>

#include "common/clock.h"
#include "http/address.h"

namespace json = boost::json;

namespace refpay {
namespace {

constexpr std::size_t kQueueMax = 1000;
constexpr int kAttemptsMax = 5;

std::string fingerprint(const Labels& labels) {
  std::string joined;
  for (const auto& [k, v] : labels) joined += k + "\x1f" + v + "\x1e";
  char out[17];
  std::snprintf(out, sizeof out, "%016zx", std::hash<std::string>{}(joined));
  return out;
}

json::object to_object(const std::map<std::string, std::string>& map) {
  json::object out;
  for (const auto& [k, v] : map) out[k] = v;
  return out;
}

}  // namespace

std::string rfc3339_ms(int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return out;
}

Alerts::Alerts(boost::asio::io_context& io, const std::string& webhook_url,
               std::string external_url)
    : io_(io), webhook_url_(webhook_url), external_url_(std::move(external_url)) {}

Alerts::~Alerts() { *alive_ = false; }

Status Alerts::init() {
  if (webhook_url_.empty()) return Status::ok();
  auto address = parse_host_port(webhook_url_);
  if (!address) return address.status().with_context("alert_url");
  auto scheme_end = webhook_url_.find("://");
  auto path_start = webhook_url_.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  webhook_target_ = path_start == std::string::npos ? "/" : webhook_url_.substr(path_start);
  client_ = std::make_unique<HttpClient>(io_, address->host, address->port, 1);
  return Status::ok();
}

std::string Alerts::key_of(const Labels& labels) {
  std::string key;
  for (const auto& [k, v] : labels) key += k + "=" + v + ",";
  return key;
}

void Alerts::fire(const std::string& name, Labels labels, const std::string& summary) {
  labels["alertname"] = name;
  std::string key = key_of(labels);
  if (active_.count(key)) return;
  FiringAlert alert{labels, {{"summary", summary}}, wall_clock_ms()};
  spdlog::warn("alert firing: {} {}", name, summary);
  active_[key] = alert;
  enqueue("firing", alert, 0);
}

void Alerts::resolve(const std::string& name, Labels labels) {
  labels["alertname"] = name;
  auto it = active_.find(key_of(labels));
  if (it == active_.end()) return;
  spdlog::info("alert resolved: {} {}", name, it->second.annotations["summary"]);
  enqueue("resolved", it->second, wall_clock_ms());
  active_.erase(it);
}

bool Alerts::firing(const std::string& name, Labels labels) const {
  labels["alertname"] = name;
  return active_.count(key_of(labels)) > 0;
}

void Alerts::enqueue(const std::string& status, const FiringAlert& alert, int64_t ends_at_ms) {
  if (!client_) return;
  const std::string& name = alert.labels.at("alertname");
  json::object entry{{"status", status},
                     {"labels", to_object(alert.labels)},
                     {"annotations", to_object(alert.annotations)},
                     {"startsAt", rfc3339_ms(alert.starts_at_ms)},
                     {"endsAt", ends_at_ms ? rfc3339_ms(ends_at_ms) : "0001-01-01T00:00:00Z"},
                     {"generatorURL", external_url_ + "/v1/alerts"},
                     {"fingerprint", fingerprint(alert.labels)}};
  json::object payload{{"version", "4"},
                       {"groupKey", "{}:{alertname=\"" + name + "\"}"},
                       {"truncatedAlerts", 0},
                       {"status", status},
                       {"receiver", "firedrill"},
                       {"groupLabels", json::object{{"alertname", name}}},
                       {"commonLabels", to_object(alert.labels)},
                       {"commonAnnotations", to_object(alert.annotations)},
                       {"externalURL", external_url_},
                       {"alerts", json::array{entry}}};
  if (queue_.size() >= kQueueMax) {
    spdlog::error("alert queue full: dropping the oldest notification");
    queue_.pop_front();
    ++failed_total_;
  }
  queue_.push_back(json::serialize(payload));
  if (!sending_) send_next();
}

void Alerts::send_next() {
  if (queue_.empty()) {
    sending_ = false;
    return;
  }
  sending_ = true;
  client_->request("POST", webhook_target_, queue_.front(), std::chrono::milliseconds(2000),
                   [this, alive = alive_](HttpResult result) {
                     if (!*alive) return;
                     if (result.ok() && result.status >= 200 && result.status < 300) {
                       ++sent_total_;
                       attempts_ = 0;
                       queue_.pop_front();
                       return send_next();
                     }
                     if (++attempts_ >= kAttemptsMax) {
                       spdlog::error("alert webhook {}: giving up on one notification: {} {}",
                                     webhook_url_, result.status, result.error);
                       ++failed_total_;
                       attempts_ = 0;
                       queue_.pop_front();
                       return send_next();
                     }
                     auto timer = std::make_shared<boost::asio::steady_timer>(io_);
                     timer->expires_after(std::chrono::milliseconds(200 * attempts_));
                     timer->async_wait([this, alive, timer](const boost::system::error_code&) {
                       if (*alive) send_next();
                     });
                   });
}

}  // namespace refpay
