// The public payment API; see gateway.h.
#include "gateway/gateway.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/json.hpp>

#include "common/clock.h"
#include "common/ledger_status.h"
#include "common/metrics.h"
#include "common/payment.h"
#include "http/client.h"
#include "http/server.h"

namespace json = boost::json;
namespace asio = boost::asio;

namespace refpay {
namespace {

HttpResponse error_response(int status, const std::string& code, const std::string& message) {
  return HttpResponse{status, json::serialize(json::object{{"error", code}, {"message", message}})};
}

// Latency histogram bucket bounds in milliseconds, for /metrics.
constexpr std::array<int64_t, 12> kBucketsMs = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};

struct GatewayState : std::enable_shared_from_this<GatewayState> {
  struct Ledger {
    LedgerAddress address;
    std::unique_ptr<HttpClient> client;
    std::unique_ptr<HttpClient> status_client;  // separate, so polls never queue behind payments
    bool poll_in_flight = false;
    Clock::time_point last_ok{};
    std::string role;
    int64_t epoch = 0;
  };

  GatewayState(asio::io_context& io_context, GatewayConfig c)
      : io(io_context),
        config(std::move(c)),
        server(io_context, [this](HttpRequest&& r, Respond respond) { handle(std::move(r), std::move(respond)); },
               HttpServerLimits{.body_bytes_max = config.body_bytes_max}),
        poll_timer(io_context) {}

  asio::io_context& io;
  GatewayConfig config;
  HttpServer server;
  asio::steady_timer poll_timer;
  std::vector<Ledger> ledgers;
  bool stopped = false;
  // Metrics.
  std::map<int, int64_t> responses_by_status;
  std::array<int64_t, kBucketsMs.size() + 1> latency_buckets{};
  int64_t latency_sum_ms = 0;
  int64_t payments = 0;

  Status start() {
    for (const auto& address : config.ledgers) {
      auto client = client_for(io, address, static_cast<std::size_t>(config.connections_per_ledger));
      auto status_client = client_for(io, address, 1);
      if (!client || !status_client) return client.status();
      Ledger& ledger = ledgers.emplace_back();
      ledger.address = address;
      ledger.client = std::move(*client);
      ledger.status_client = std::move(*status_client);
    }
    Status listening = listen_on(server, config.node, "gateway to " + std::to_string(ledgers.size()) + " ledgers");
    if (!listening) return listening;
    poll();
    return Status::ok();
  }

  void stop() {
    stopped = true;
    poll_timer.cancel();
    server.stop();
    for (auto& l : ledgers) {
      l.client->close();
      l.status_client->close();
    }
  }

  // ---- topology ---------------------------------------------------------------------------

  void poll() {
    if (stopped) return;
    for (std::size_t i = 0; i < ledgers.size(); ++i) poll_one(i);
    poll_timer.expires_after(milliseconds(config.topology_poll_ms));
    poll_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->poll();
    });
  }

  void poll_one(std::size_t index) {
    Ledger& l = ledgers[index];
    request_ledger_status(*l.status_client, l.poll_in_flight, milliseconds(3 * config.topology_poll_ms),
                          [self = shared_from_this(), index](const json::object& s) {
                            Ledger& ledger = self->ledgers[index];
                            const json::value* role = s.if_contains("role");
                            const json::value* epoch = s.if_contains("epoch");
                            if (!role || !role->is_string() || !epoch || !epoch->is_int64()) return;
                            ledger.role = std::string(role->as_string());
                            ledger.epoch = epoch->as_int64();
                            ledger.last_ok = Clock::now();
                          });
  }

  // The reachable ledger that says it is primary at the highest epoch.
  Ledger* current_primary() {
    auto now = Clock::now();
    Ledger* best = nullptr;
    for (auto& l : ledgers) {
      bool fresh = now - l.last_ok < milliseconds(4 * config.topology_poll_ms + 100);
      if (fresh && l.role == "primary" && (!best || l.epoch > best->epoch)) best = &l;
    }
    return best;
  }

  // Forget what we believed of `ledger` and ask again at once (after a not_primary answer).
  void suspect(Ledger& ledger) {
    ledger.role = "unknown";
    poll_one(static_cast<std::size_t>(&ledger - ledgers.data()));
  }

  // ---- requests ---------------------------------------------------------------------------

  void handle(HttpRequest&& request, Respond respond) {
    std::string path = request.path();
    const std::string& method = request.method;
    if (method == "POST" && path == "/v1/payments") return handle_payment(std::move(request), std::move(respond));
    if (method == "GET" && (path == "/v1/accounts" || path.rfind("/v1/accounts/", 0) == 0)) {
      return proxy_read(request.target, request.query("node"), std::move(respond));
    }
    if (method == "GET" && path == "/v1/ledger/export") {
      return proxy_read("/v1/ledger/export", request.query("node"), std::move(respond));
    }
    if (method == "GET" && path == "/healthz") return respond(health());
    if (method == "GET" && path == "/metrics") return respond(metrics());
    respond(error_response(404, "not_found", method + " " + path + ": no such endpoint"));
  }

  void handle_payment(HttpRequest&& request, Respond respond) {
    auto start = Clock::now();
    auto parsed = parse_payment_request(request.body, request.header("idempotency-key"),
                                        config.amount_max);
    Respond counted = [self = shared_from_this(), start, respond = std::move(respond)](HttpResponse r) {
      self->count(r.status, Clock::now() - start);
      respond(std::move(r));
    };
    if (auto* error = std::get_if<ApiError>(&parsed)) {
      return counted(HttpResponse{error->status, error->to_json()});
    }
    // The ledger receives the normalized body (idempotency key moved from header to body).
    forward_payment(payment_request_json(std::get<PaymentRequest>(parsed)),
                    start + milliseconds(config.request_timeout_ms), std::move(counted));
  }

  // Sends the payment to the primary, retrying while the failure is certainly a non-delivery
  // (no primary, connection refused, not_primary) and time remains.
  void forward_payment(std::string body, Clock::time_point deadline, Respond respond) {
    auto remaining = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    Ledger* primary = current_primary();
    if (!primary) {
      if (remaining < milliseconds(config.topology_poll_ms)) {
        return respond(error_response(503, "no_primary", "no ledger primary is reachable"));
      }
      return retry_later(std::move(body), deadline, std::move(respond));
    }
    std::size_t index = static_cast<std::size_t>(primary - ledgers.data());
    std::string target = "/v1/payments?epoch=" + std::to_string(primary->epoch);
    primary->client->request(
        "POST", target, body, remaining,
        [self = shared_from_this(), index, body, deadline, respond = std::move(respond)](HttpResult r) mutable {
          Ledger& ledger = self->ledgers[index];
          bool not_primary = r.ok() && r.status == 409 && r.body.find("\"not_primary\"") != std::string::npos;
          if ((r.outcome == HttpResult::Outcome::connect_failed && !r.request_sent) || not_primary) {
            self->suspect(ledger);
            if (Clock::now() + milliseconds(self->config.topology_poll_ms) < deadline) {
              return self->retry_later(std::move(body), deadline, std::move(respond));
            }
            return respond(error_response(503, "no_primary", "no ledger primary accepted the payment"));
          }
          if (!r.ok() && !r.request_sent) {
            return respond(error_response(503, "ledger_unavailable",
                                          ledger.address.id + ": " + r.error + ": not sent"));
          }
          if (!r.ok()) {
            return respond(error_response(
                504, "outcome_unknown",
                ledger.address.id + ": " + r.error +
                    ": the payment may or may not be committed; retry with the same idempotency key"));
          }
          respond(HttpResponse{r.status, std::move(r.body)});
        });
  }

  void retry_later(std::string body, Clock::time_point deadline, Respond respond) {
    auto timer = std::make_shared<asio::steady_timer>(io);
    timer->expires_after(milliseconds(std::max<int64_t>(10, config.topology_poll_ms / 2)));
    timer->async_wait([self = shared_from_this(), timer, body = std::move(body), deadline,
                       respond = std::move(respond)](const boost::system::error_code& ec) mutable {
      if (ec || self->stopped) return respond(error_response(503, "shutting_down", "gateway stopping"));
      self->forward_payment(std::move(body), deadline, std::move(respond));
    });
  }

  // Reads go to the primary, or to the ledger named by ?node=.
  void proxy_read(const std::string& target, const std::optional<std::string>& node, Respond respond) {
    Ledger* ledger = nullptr;
    if (node) {
      for (auto& l : ledgers) {
        if (l.address.id == *node) ledger = &l;
      }
      if (!ledger) return respond(error_response(404, "unknown_node", *node + ": no such ledger"));
    } else {
      ledger = current_primary();
      if (!ledger) return respond(error_response(503, "no_primary", "no ledger primary is reachable"));
    }
    std::string path = target.substr(0, target.find('?'));
    const char* type = path == "/v1/ledger/export" ? "application/x-ndjson" : "application/json";
    ledger->client->request("GET", path, "", milliseconds(config.request_timeout_ms * 6),
                            [respond = std::move(respond), type](HttpResult r) {
                              if (!r.ok()) return respond(error_response(502, "ledger_unreachable", r.error));
                              respond(HttpResponse{r.status, std::move(r.body),
                                                   r.status == 200 ? type : "application/json"});
                            });
  }

  HttpResponse health() {
    Ledger* primary = current_primary();
    json::object body{{"status", primary ? "ok" : "unhealthy"},
                      {"primary", primary ? primary->address.id : ""},
                      {"epoch", primary ? primary->epoch : 0}};
    return HttpResponse{primary ? 200 : 503, json::serialize(body)};
  }

  void count(int status, Clock::duration latency) {
    ++payments;
    ++responses_by_status[status];
    int64_t ms = std::chrono::duration_cast<milliseconds>(latency).count();
    latency_sum_ms += ms;
    std::size_t bucket = 0;
    while (bucket < kBucketsMs.size() && ms > kBucketsMs[bucket]) ++bucket;
    ++latency_buckets[bucket];
  }

  HttpResponse metrics() {
    MetricsText m;
    // The counter exists from the start (a 201 count of 0), as a rule over it expects.
    responses_by_status.try_emplace(201, 0);
    bool first = true;
    for (const auto& [status, n] : responses_by_status) {
      std::string labels = "code=\"" + std::to_string(status) + "\"";
      if (first) {
        m.counter("refpay_gateway_payments_total", "payment responses by HTTP status", n, labels);
        first = false;
      } else {
        m.sample("refpay_gateway_payments_total", n, labels);
      }
    }
    std::string text = m.text();
    text += "# HELP refpay_gateway_payment_latency_ms payment latency in the gateway\n";
    text += "# TYPE refpay_gateway_payment_latency_ms histogram\n";
    int64_t cumulative = 0;
    for (std::size_t i = 0; i < kBucketsMs.size(); ++i) {
      cumulative += latency_buckets[i];
      text += "refpay_gateway_payment_latency_ms_bucket{le=\"" + std::to_string(kBucketsMs[i]) +
              "\"} " + std::to_string(cumulative) + "\n";
    }
    cumulative += latency_buckets.back();
    text += "refpay_gateway_payment_latency_ms_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
    text += "refpay_gateway_payment_latency_ms_sum " + std::to_string(latency_sum_ms) + "\n";
    text += "refpay_gateway_payment_latency_ms_count " + std::to_string(payments) + "\n";
    Ledger* primary = current_primary();
    text += "# HELP refpay_gateway_primary_epoch epoch of the primary in use (0: none)\n";
    text += "# TYPE refpay_gateway_primary_epoch gauge\n";
    text += "refpay_gateway_primary_epoch " + std::to_string(primary ? primary->epoch : 0) + "\n";
    return HttpResponse{200, text, "text/plain; version=0.0.4"};
  }
};

}  // namespace

std::unique_ptr<Service> make_gateway(asio::io_context& io, GatewayConfig config) {
  return SharedService<GatewayState>::make(io, std::move(config));
}

}  // namespace refpay
