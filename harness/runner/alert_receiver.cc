// The Alertmanager webhook receiver; see alert_receiver.h.
#include "runner/alert_receiver.h"

#include <boost/json.hpp>

#include "net/http.h"
#include "timeline/timeline.h"

namespace json = boost::json;

namespace firedrill {
namespace {

constexpr std::size_t kAlertBodyBytesMax = 1 << 20;

std::string string_at(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

struct AlertReceiver::Impl {
  Impl(boost::asio::io_context& io, Timeline& t,
       std::function<void(const std::string&, const std::string&)> callback)
      : timeline(t),
        on_alert(std::move(callback)),
        server(io, [this](HttpRequest&& r, Respond respond) { handle(std::move(r), std::move(respond)); },
               HttpServerLimits{.body_bytes_max = kAlertBodyBytesMax}) {}

  void handle(HttpRequest&& request, Respond respond) {
    if (request.method != "POST") return respond(HttpResponse{405, R"({"error":"POST alerts here"})"});
    json::error_code ec;
    json::value body = json::parse(request.body, ec);
    const json::object* payload = ec ? nullptr : body.if_object();
    const json::value* alerts = payload ? payload->if_contains("alerts") : nullptr;
    if (!alerts || !alerts->is_array()) {
      timeline.record("alertmanager", "alert_rejected",
                      {{"bytes", request.body.size()}, {"error", "not Alertmanager webhook JSON"}});
      return respond(HttpResponse{400, R"({"error":"expected Alertmanager webhook JSON with alerts[]"})"});
    }
    for (const json::value& a : alerts->as_array()) {
      const json::object* alert = a.if_object();
      const json::value* labels = alert ? alert->if_contains("labels") : nullptr;
      if (!labels || !labels->is_object()) continue;
      std::string status = string_at(*alert, "status");
      std::string name = string_at(labels->as_object(), "alertname");
      timeline.record("alertmanager", "alert",
                      {{"status", status},
                       {"alertname", name},
                       {"labels", labels->as_object()},
                       {"starts_at", string_at(*alert, "startsAt")},
                       {"version", payload->contains("version") ? payload->at("version") : json::value()}});
      if (on_alert) on_alert(status, name);
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
