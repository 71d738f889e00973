// The failover controller; see arbiter.h.
#include "arbiter/arbiter.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "arbiter/alerts.h"
#include "common/clock.h"
#include "common/ledger_status.h"
#include "common/metrics.h"
#include "http/client.h"
#include "http/server.h"

namespace json = boost::json;
namespace asio = boost::asio;

namespace refpay {
namespace {

int64_t json_int(const json::object& o, const char* key, int64_t fallback = 0) {
  const json::value* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : fallback;
}

std::string json_string(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool json_bool(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_bool() && v->as_bool();
}

struct ArbiterState : std::enable_shared_from_this<ArbiterState> {
  // What the arbiter knows of one ledger, from its latest heartbeat.
  struct Ledger {
    LedgerAddress address;
    std::unique_ptr<HttpClient> client;
    bool status_in_flight = false;
    bool command_in_flight = false;
    bool ever_seen = false;
    Clock::time_point last_ok{};
    Clock::time_point down_since{};
    Clock::time_point lag_since{};
    Clock::time_point last_clock_rejection{};
    // From the last status.
    std::string role;
    int64_t epoch = 0;
    std::string following;
    int64_t last_position = 0;
    int64_t last_epoch = 0;
    bool disk_full = false;
    int64_t clock_offset_ms = 0;
    int64_t clock_rejections_total = -1;
  };

  ArbiterState(asio::io_context& io_context, ArbiterConfig c)
      : io(io_context),
        config(std::move(c)),
        alerts(io_context, config.post_alerts ? config.alert_url : std::string(), "http://" + config.node.host + ":" + std::to_string(config.node.port)),
        server(io_context, [this](HttpRequest&& r, Respond respond) { handle(std::move(r), std::move(respond)); }),
        tick_timer(io_context) {}

  asio::io_context& io;
  ArbiterConfig config;
  Alerts alerts;
  HttpServer server;
  asio::steady_timer tick_timer;
  std::vector<Ledger> ledgers;
  bool stopped = false;
  Clock::time_point started = Clock::now();

  // The cluster as the arbiter decided it.
  std::string primary;
  int64_t epoch = 0;
  Clock::time_point primary_last_good = Clock::now();
  bool promoting = false;
  int64_t failovers = 0;
  std::vector<std::shared_ptr<asio::steady_timer>> event_timers;

  // ---- lifecycle --------------------------------------------------------------------------

  Status start() {
    if (Status s = alerts.init(); !s) return s;
    for (const auto& address : config.ledgers) {
      auto client = client_for(io, address, 2);
      if (!client) return client.status();
      Ledger& ledger = ledgers.emplace_back();
      ledger.address = address;
      ledger.client = std::move(*client);
    }
    load_state();
    Status listening = listen_on(server, config.node,
                                 "arbiter of " + std::to_string(ledgers.size()) + " ledgers, failure_timeout_ms=" +
                                     std::to_string(config.failure_timeout_ms));
    if (!listening) return listening;
    tick();
    return Status::ok();
  }

  void stop() {
    stopped = true;
    tick_timer.cancel();
    server.stop();
    for (auto& l : ledgers) l.client->close();
    for (auto& timer : event_timers) timer->cancel();
  }

  std::string state_path() const { return config.data_dir + "/arbiter-state.json"; }

  void load_state() {
    if (config.data_dir.empty()) return;
    std::ifstream in(state_path());
    if (!in) return;
    std::stringstream text;
    text << in.rdbuf();
    json::error_code ec;
    json::value v = json::parse(text.str(), ec);
    if (ec || !v.is_object()) return;
    epoch = json_int(v.as_object(), "epoch");
    primary = json_string(v.as_object(), "primary");
    spdlog::info("arbiter: resumed state: primary {} epoch {}", primary, epoch);
  }

  void save_state() {
    if (config.data_dir.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    std::string tmp = state_path() + ".tmp";
    std::ofstream out(tmp, std::ios::trunc);
    out << json::serialize(json::object{{"epoch", epoch}, {"primary", primary}});
    out.close();
    if (!out || std::rename(tmp.c_str(), state_path().c_str()) != 0) {
      spdlog::error("arbiter: cannot save state to {}: the epoch may repeat after a restart",
                    state_path());
    }
  }

  // ---- heartbeat --------------------------------------------------------------------------

  void tick() {
    if (stopped) return;
    for (std::size_t i = 0; i < ledgers.size(); ++i) poll_status(i);
    evaluate();
    tick_timer.expires_after(milliseconds(config.heartbeat_interval_ms));
    tick_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->tick();
    });
  }

  void poll_status(std::size_t index) {
    Ledger& l = ledgers[index];
    int64_t sent_wall = wall_clock_ms();
    request_ledger_status(*l.client, l.status_in_flight, milliseconds(config.heartbeat_timeout_ms),
                          [self = shared_from_this(), index, sent_wall](const json::object& status) {
                            self->on_status(index, sent_wall, status);
                          });
  }

  void on_status(std::size_t index, int64_t sent_wall, const json::object& s) {
    Ledger& l = ledgers[index];
    if (stopped) return;
    l.last_ok = Clock::now();
    l.ever_seen = true;
    l.role = json_string(s, "role");
    l.epoch = json_int(s, "epoch");
    l.following = json_string(s, "primary");
    l.last_position = json_int(s, "last_position");
    l.last_epoch = json_int(s, "last_epoch");
    l.disk_full = json_bool(s, "disk_full");
    // The node's clock against ours, at the midpoint of the round trip.
    int64_t midpoint = (sent_wall + wall_clock_ms()) / 2;
    l.clock_offset_ms = json_int(s, "wall_clock_ms", midpoint) - midpoint;
    int64_t rejections = json_int(s, "clock_rejections_total");
    if (l.clock_rejections_total >= 0 && rejections > l.clock_rejections_total) {
      l.last_clock_rejection = Clock::now();
      alerts.fire("LedgerClockRejections", {{"node", l.address.id}, {"severity", "warning"}},
                  l.address.id + " refused payments whose timestamps are outside its freshness window");
    }
    l.clock_rejections_total = rejections;
  }

  bool fresh(const Ledger& l, Clock::time_point now) const {
    return l.ever_seen &&
           now - l.last_ok < milliseconds(2 * config.heartbeat_interval_ms + config.heartbeat_timeout_ms);
  }

  Ledger* find(const std::string& id) {
    for (auto& l : ledgers) {
      if (l.address.id == id) return &l;
    }
    return nullptr;
  }

  // ---- decisions --------------------------------------------------------------------------

  void evaluate() {
    auto now = Clock::now();
    if (primary.empty()) {
      bootstrap(now);
    } else {
      check_primary(now);
    }
    repoint(now);
    node_alerts(now);
  }

  // No primary yet: adopt one the ledgers already agree on, else promote the best candidate once
  // every ledger answered (or failure_timeout_ms passed).
  void bootstrap(Clock::time_point now) {
    int64_t max_epoch = epoch;
    for (const auto& l : ledgers) max_epoch = std::max(max_epoch, l.epoch);
    for (auto& l : ledgers) {
      if (fresh(l, now) && l.role == "primary" && l.epoch == max_epoch && !l.disk_full) {
        primary = l.address.id;
        epoch = l.epoch;
        primary_last_good = now;
        save_state();
        spdlog::info("arbiter: adopted primary {} at epoch {}", primary, epoch);
        return;
      }
    }
    bool all_seen = std::all_of(ledgers.begin(), ledgers.end(),
                                [&](const Ledger& l) { return fresh(l, now); });
    if (all_seen || now - started >= milliseconds(config.failure_timeout_ms)) {
      promote_best(now, "bootstrap");
    }
  }

  void check_primary(Clock::time_point now) {
    Ledger* p = find(primary);
    bool good = p && fresh(*p, now) && p->role == "primary" && p->epoch == epoch && !p->disk_full;
    if (good) {
      primary_last_good = now;
      // Back without a failover (no standby could take over): the outage is over.
      alerts.resolve("LedgerPrimaryDown", {{"severity", "critical"}, {"node", primary}});
      return;
    }
    if (now - primary_last_good < milliseconds(config.failure_timeout_ms)) return;
    std::string why = !p || !fresh(*p, now) ? "unreachable"
                      : p->disk_full        ? "disk full"
                                            : "not serving as primary (restarted?)";
    alerts.fire("LedgerPrimaryDown", {{"severity", "critical"}, {"node", primary}},
                "ledger primary " + primary + " is " + why + " for over " +
                    std::to_string(config.failure_timeout_ms) + " ms");
    promote_best(now, why);
  }

  // Promotes the reachable, writable ledger with the most up-to-date log under a new epoch.
  void promote_best(Clock::time_point now, const std::string& reason) {
    if (promoting) return;
    Ledger* best = nullptr;
    auto rank = [&](const Ledger& l) {
      bool preferred = l.address.id == (config.initial_primary.empty() ? ledgers.front().address.id
                                                                       : config.initial_primary);
      return std::tuple(l.last_epoch, l.last_position, preferred);
    };
    for (auto& l : ledgers) {
      if (!fresh(l, now) || l.disk_full) continue;
      if (!best || rank(l) > rank(*best)) best = &l;
    }
    if (!best) return;  // nobody can take over; LedgerPrimaryDown keeps firing
    int64_t new_epoch = epoch;
    for (const auto& l : ledgers) new_epoch = std::max(new_epoch, l.epoch);
    ++new_epoch;
    promoting = true;
    std::string candidate = best->address.id;
    std::string old_primary = primary;
    spdlog::warn("arbiter: promoting {} (position {}, epoch {}) to epoch {}: {}", candidate,
                 best->last_position, best->last_epoch, new_epoch, reason);
    best->client->request(
        "POST", "/internal/promote", json::serialize(json::object{{"epoch", new_epoch}}),
        milliseconds(config.failure_timeout_ms),
        [self = shared_from_this(), candidate, old_primary, new_epoch](HttpResult r) {
          self->promoting = false;
          if (self->stopped) return;
          if (!r.ok() || r.status != 200) {
            spdlog::error("arbiter: promote {} failed: {} {}", candidate, r.status,
                          r.ok() ? r.body : r.error);
            return;
          }
          self->on_promoted(candidate, old_primary, new_epoch);
        });
  }

  void on_promoted(const std::string& candidate, const std::string& old_primary, int64_t new_epoch) {
    primary = candidate;
    epoch = new_epoch;
    primary_last_good = Clock::now();
    save_state();
    if (old_primary.empty()) {
      spdlog::info("arbiter: {} is the primary at epoch {}", primary, epoch);
      return;
    }
    ++failovers;
    alerts.resolve("LedgerPrimaryDown", {{"severity", "critical"}, {"node", old_primary}});
    Labels labels{{"severity", "info"}, {"node", candidate}, {"previous", old_primary}};
    alerts.fire("LedgerFailoverCompleted", labels,
                "failover done: " + candidate + " is primary at epoch " + std::to_string(epoch) +
                    " (was " + old_primary + ")");
    // A failover is an event; it stays firing for a while so that polling receivers see it.
    // Each has its own timer: a second failover must not strand the first one's alert.
    auto timer = std::make_shared<asio::steady_timer>(io);
    event_timers.push_back(timer);
    timer->expires_after(milliseconds(config.event_alert_hold_ms));
    timer->async_wait([self = shared_from_this(), labels, timer](const boost::system::error_code& ec) {
      auto& timers = self->event_timers;
      timers.erase(std::remove(timers.begin(), timers.end(), timer), timers.end());
      if (!ec) self->alerts.resolve("LedgerFailoverCompleted", labels);
    });
  }

  // Tells every reachable ledger that is not following the current primary to do so.
  void repoint(Clock::time_point now) {
    if (primary.empty() || promoting) return;
    Ledger* p = find(primary);
    if (!p) return;
    for (auto& l : ledgers) {
      if (&l == p || !fresh(l, now) || l.command_in_flight) continue;
      if (l.role == "standby" && l.epoch == epoch && l.following == primary) continue;
      l.command_in_flight = true;
      json::object body{{"epoch", epoch}, {"primary", primary}, {"primary_url", p->address.url}};
      std::string id = l.address.id;
      l.client->request("POST", "/internal/follow", json::serialize(body),
                        milliseconds(config.heartbeat_timeout_ms * 3),
                        [self = shared_from_this(), id](HttpResult r) {
                          if (Ledger* target = self->find(id)) target->command_in_flight = false;
                          if (r.ok() && r.status == 200) {
                            spdlog::info("arbiter: {} now follows {}", id, self->primary);
                          }
                        });
    }
  }

  void node_alerts(Clock::time_point now) {
    Ledger* p = primary.empty() ? nullptr : find(primary);
    for (auto& l : ledgers) {
      const std::string& id = l.address.id;
      Labels node{{"node", id}, {"severity", "warning"}};
      // Standby down (the primary's own outage is LedgerPrimaryDown).
      if (fresh(l, now)) {
        l.down_since = {};
        alerts.resolve("LedgerStandbyDown", node);
      } else if (&l != p) {
        if (l.down_since == Clock::time_point{}) l.down_since = now;
        if (now - l.down_since >= milliseconds(config.failure_timeout_ms)) {
          alerts.fire("LedgerStandbyDown", node, "ledger standby " + id + " is unreachable");
        }
      }
      if (!fresh(l, now)) continue;
      if (l.disk_full) {
        alerts.fire("LedgerDiskFull", node, id + " cannot write: its disk is full");
      } else {
        alerts.resolve("LedgerDiskFull", node);
      }
      bool lagging = p && &l != p && fresh(*p, now) &&
                     p->last_position - l.last_position > config.lag_alert_entries;
      if (!lagging) {
        l.lag_since = {};
        alerts.resolve("LedgerReplicationLagging", node);
      } else {
        if (l.lag_since == Clock::time_point{}) l.lag_since = now;
        if (now - l.lag_since >= milliseconds(config.lag_alert_ms)) {
          alerts.fire("LedgerReplicationLagging", node,
                      id + " is " + std::to_string(p->last_position - l.last_position) +
                          " transfers behind the primary");
        }
      }
      if (std::llabs(l.clock_offset_ms) > config.clock_skew_alert_ms) {
        alerts.fire("LedgerClockSkew", node,
                    id + "'s clock is " + std::to_string(l.clock_offset_ms) + " ms off the arbiter's");
      } else {
        alerts.resolve("LedgerClockSkew", node);
      }
      if (now - l.last_clock_rejection >= milliseconds(config.clock_alert_quiet_ms)) {
        alerts.resolve("LedgerClockRejections", node);
      }
    }
  }

  // ---- HTTP -------------------------------------------------------------------------------

  void handle(HttpRequest&& request, Respond respond) {
    std::string path = request.path();
    if (request.method != "GET") {
      return respond(HttpResponse{405, R"({"error":"method_not_allowed"})"});
    }
    if (path == "/v1/topology") return respond(HttpResponse{200, json::serialize(topology())});
    if (path == "/v1/alerts") return respond(HttpResponse{200, json::serialize(alert_list())});
    if (path == "/healthz") {
      return respond(HttpResponse{primary.empty() ? 503 : 200, json::serialize(topology())});
    }
    if (path == "/metrics") return respond(metrics());
    respond(HttpResponse{404, R"({"error":"not_found"})"});
  }

  json::object topology() const {
    auto now = Clock::now();
    json::array nodes;
    std::string primary_url;
    for (const auto& l : ledgers) {
      if (l.address.id == primary) primary_url = l.address.url;
      nodes.push_back(json::object{{"id", l.address.id},
                                   {"url", l.address.url},
                                   {"reachable", fresh(l, now)},
                                   {"role", l.role},
                                   {"epoch", l.epoch},
                                   {"last_position", l.last_position},
                                   {"disk_full", l.disk_full},
                                   {"clock_offset_ms", l.clock_offset_ms}});
    }
    return json::object{{"primary", primary}, {"primary_url", primary_url}, {"epoch", epoch},
                        {"failovers", failovers}, {"ledgers", std::move(nodes)}};
  }

  json::array alert_list() const {
    json::array out;
    for (const auto& [key, alert] : alerts.active()) {
      json::object labels;
      for (const auto& [k, v] : alert.labels) labels[k] = v;
      out.push_back(json::object{{"labels", std::move(labels)},
                                 {"summary", alert.annotations.at("summary")},
                                 {"startsAt", rfc3339_ms(alert.starts_at_ms)}});
    }
    return out;
  }

  HttpResponse metrics() const {
    MetricsText m;
    m.gauge("refpay_arbiter_epoch", "the current epoch", epoch);
    m.counter("refpay_arbiter_failovers_total", "promotions after a primary loss", failovers);
    m.gauge("refpay_arbiter_alerts_firing", "alerts currently firing",
            static_cast<int64_t>(alerts.active().size()));
    m.counter("refpay_arbiter_alert_notifications_sent_total", "webhook posts delivered",
              alerts.sent_total());
    m.counter("refpay_arbiter_alert_notifications_failed_total", "webhook posts given up",
              alerts.failed_total());
    // What a Prometheus rule needs to see a ledger as the arbiter does (sample-system/monitoring/).
    const auto now = Clock::now();
    bool first = true;
    for (const auto& l : ledgers) {
      const std::string labels = "ledger=\"" + l.address.id + "\",primary=\"" + (l.address.id == primary ? "1" : "0") + "\"";
      const int64_t up = fresh(l, now) ? 1 : 0;
      if (first) {
        m.gauge("refpay_arbiter_ledger_reachable", "1 while the ledger answers the arbiter's heartbeats", up, labels);
      } else {
        m.sample("refpay_arbiter_ledger_reachable", up, labels);
      }
      first = false;
    }
    return HttpResponse{200, m.text(), "text/plain; version=0.0.4"};
  }
};

}  // namespace

std::unique_ptr<Service> make_arbiter(asio::io_context& io, ArbiterConfig config) {
  return SharedService<ArbiterState>::make(io, std::move(config));
}

}  // namespace refpay
