// The harness's Prometheus Alertmanager webhook receiver: any system whose Alertmanager (or, for
// refpay, whose arbiter) posts webhook JSON here gets its alerts on the drill's timeline, one
// record per alert in the payload: {"kind":"alert","status":"firing"|"resolved","alertname":...}.
// Bodies are bounded; a malformed, oversized or too slow request gets its 4xx (400, 413, 431;
// a request not complete within the read deadline is closed) and an "alert_rejected" record,
// never a crash.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"

namespace boost::asio {
class io_context;
}

namespace firedrill {

class Timeline;

class AlertReceiver {
 public:
  // `on_alert(status, alertname)` is called for each alert after it is recorded.
  AlertReceiver(boost::asio::io_context& io, Timeline& timeline,
                std::function<void(const std::string&, const std::string&)> on_alert = {});
  ~AlertReceiver();
  Status listen(const std::string& host, uint16_t port);
  uint16_t port() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace firedrill
