// The Alertmanager webhook receiver; see alert_receiver.h.
#include "runner/alert_receiver.h"

#include <boost/json.hpp>

#include "core/limits.h"
#include "net/http.h"
#include "runner/alert_webhook.h"
#include "timeline/timeline.h"

namespace firedrill {

struct AlertReceiver::Impl {
  Impl(boost::asio::io_context& io, Timeline& t,
       std::function<void(const std::string&, const std::string&)> callback)
      : timeline(t),
        on_alert(std::move(callback)),
        server(io, [this](HttpRequest&& r, Respond respond) { handle(std::move(r), std::move(respond)); },
               HttpServerLimits{.body_bytes_max = kAlertBodyMaxBytes}) {
    // Turned away by the server before handle() (too large, malformed HTTP, too slow): on the
    // timeline too, so that a drill whose alerts never arrived says why.
    server.on_rejected([this](int status, const std::string& reason) {
      timeline.write(AlertmanagerAlertRejected{.status = status, .error = reason});
    });
  }

  void handle(HttpRequest&& request, Respond respond) {
    if (request.method != "POST") return respond(HttpResponse{405, R"({"error":"POST alerts here"})"});
    Result<AlertWebhook> webhook = parse_alert_webhook(request.body);
    if (!webhook) {
      timeline.write(AlertmanagerAlertRejected{.status = 400,
                                               .bytes = static_cast<int64_t>(request.body.size()),
                                               .error = webhook.status().message()});
      return respond(HttpResponse{400, R"({"error":"expected Alertmanager webhook JSON with alerts[]"})"});
    }
    for (const WebhookAlert& alert : webhook->alerts) {
      timeline.write(AlertmanagerAlert{.status = alert.status,
                                       .alertname = alert.alertname,
                                       .labels = alert.labels,
                                       .starts_at = alert.starts_at,
                                       .version = webhook->version});
      if (on_alert) on_alert(alert.status, alert.alertname);
    }
    respond(HttpResponse{200, "{}"});
  }

  Timeline& timeline;
  std::function<void(const std::string&, const std::string&)> on_alert;
  HttpServer server;
};

AlertReceiver::AlertReceiver(boost::asio::io_context& io, Timeline& timeline,
                             std::function<void(const std::string&, const std::string&)> on_alert)
    : impl_(std::make_unique<Impl>(io, timeline, std::move(on_alert))) {}
AlertReceiver::~AlertReceiver() { impl_->server.stop(); }
Status AlertReceiver::listen(const std::string& host, uint16_t port) { return impl_->server.listen(host, port); }
uint16_t AlertReceiver::port() const { return impl_->server.port(); }
void AlertReceiver::stop() { impl_->server.stop(); }

}  // namespace firedrill
