// The arbiter's alerts: which are firing, and their delivery as Prometheus Alertmanager webhook
// JSON (payload version 4) to a configured URL — the same format a real Alertmanager posts, so
// the harness detects refpay's failures exactly as it would a production system's.
//
// Delivery is at least once per state change, in order, through a bounded queue (oldest
// notifications dropped, with a log line, when the receiver is gone for long).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "http/client.h"

namespace boost::asio {
class io_context;
}

namespace refpay {

using Labels = std::map<std::string, std::string>;

struct FiringAlert {
  Labels labels;  // includes "alertname"
  std::map<std::string, std::string> annotations;
  int64_t starts_at_ms = 0;  // wall clock
};

class Alerts {
 public:
  // `webhook_url` empty: alerts are only logged and listed.
  Alerts(boost::asio::io_context& io, const std::string& webhook_url, std::string external_url);
  ~Alerts();
  Status init();

  // Fires `name` for `labels` (no-op if already firing); `summary` becomes an annotation.
  void fire(const std::string& name, Labels labels, const std::string& summary);
  // Resolves it (no-op if not firing).
  void resolve(const std::string& name, Labels labels);
  bool firing(const std::string& name, Labels labels) const;

  // Every firing alert, for GET /v1/alerts and /metrics.
  const std::map<std::string, FiringAlert>& active() const { return active_; }
  int64_t sent_total() const { return sent_total_; }
  int64_t failed_total() const { return failed_total_; }

 private:
  static std::string key_of(const Labels& labels);
  void enqueue(const std::string& status, const FiringAlert& alert, int64_t ends_at_ms);
  void send_next();

  boost::asio::io_context& io_;
  std::string webhook_url_;
  std::string webhook_target_;
  std::string external_url_;
  std::unique_ptr<HttpClient> client_;
  std::map<std::string, FiringAlert> active_;
  std::deque<std::string> queue_;  // serialized webhook payloads
  bool sending_ = false;
  int attempts_ = 0;
  int64_t sent_total_ = 0;
  int64_t failed_total_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// RFC 3339 UTC with milliseconds, e.g. "2026-11-27T22:38:44.123Z".
std::string rfc3339_ms(int64_t unix_ms);

}  // namespace refpay
