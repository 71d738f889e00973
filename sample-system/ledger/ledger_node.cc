// The ledger node: payment handling, group commit, pull replication, roles; see ledger_node.h.
#include "ledger/ledger_node.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/json.hpp>

#include "common/clock.h"
#include "common/metrics.h"
#include "http/address.h"
#include "http/client.h"
#include "http/server.h"

namespace json = boost::json;
namespace asio = boost::asio;

namespace refpay {
namespace {

HttpResponse json_response(int status, const json::object& body) {
  return HttpResponse{status, json::serialize(body)};
}

HttpResponse error_response(int status, const std::string& code, const std::string& message) {
  return json_response(status, json::object{{"error", code}, {"message", message}});
}

std::optional<int64_t> to_int(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    int64_t value = std::stoll(*text, &used);
    if (used != text->size()) return std::nullopt;
    return value;
  } catch (...) {
    return std::nullopt;
  }
}

struct LedgerState : std::enable_shared_from_this<LedgerState> {
  enum class Role { standby, primary };

  // A payment accepted for the next commit; more responders join when the same key repeats.
  struct Pending {
    Transfer transfer;
    std::vector<Respond> responders;
  };
  // A committed payment waiting for standby acknowledgements (sync mode).
  struct Waiter {
    int64_t position;
    Clock::time_point deadline;
    Respond respond;
    std::string body;
  };
  // A standby's replication request parked until new entries exist or its wait ends.
  struct ParkedPull {
    int64_t after_position;
    std::shared_ptr<asio::steady_timer> timer;
    Respond respond;
  };

  LedgerState(asio::io_context& io_context, LedgerConfig c, std::unique_ptr<LedgerStore> s)
      : io(io_context),
        config(std::move(c)),
        store(std::move(s)),
        server(io_context, [this](HttpRequest&& r, Respond respond) { handle(std::move(r), std::move(respond)); },
               HttpServerLimits{.body_bytes_max = config.body_bytes_max}),
        sweep_timer(io_context),
        disk_timer(io_context),
        pull_timer(io_context) {
    if (config.backup.enabled()) {
      backups = std::make_unique<backup::BackupAgent>(io_context, *store, config.backup, config.node.id);
    }
  }

  asio::io_context& io;
  LedgerConfig config;
  std::unique_ptr<LedgerStore> store;
  std::unique_ptr<backup::BackupAgent> backups;  // after `store`: destroyed before it
  HttpServer server;
  asio::steady_timer sweep_timer;
  asio::steady_timer disk_timer;
  asio::steady_timer pull_timer;
  bool stopped = false;

  Role role = Role::standby;
  // Primary side.
  std::map<std::string, int64_t> available;  // balances including the uncommitted batch
  std::vector<Pending> pending;
  std::map<std::string, std::size_t> pending_by_key;
  bool commit_scheduled = false;
  std::deque<Waiter> waiters;  // ordered by position (commit order)
  std::map<std::string, int64_t> acked;  // standby id → newest position it holds
  std::vector<ParkedPull> parked;
  // Standby side.
  std::string primary_id;
  std::string primary_url;
  std::unique_ptr<HttpClient> primary_client;
  uint64_t pull_generation = 0;
  // Counters for /metrics and /internal/status.
  int64_t clock_rejections = 0;
  int64_t commits = 0;
  int64_t commit_failures = 0;
  int64_t discarded_transfers = 0;

  std::shared_ptr<spdlog::logger> log = spdlog::default_logger();

  // ---- startup ----------------------------------------------------------------------------

  Status start() {
    Status listening = listen_on(server, config.node,
                                 "epoch=" + std::to_string(store->epoch()) + " last_position=" +
                                     std::to_string(store->last_position()) + " replication=" + config.replication);
    if (!listening) return listening;
    if (backups) {
      if (Status s = backups->start(); !s) return s;
    }
    schedule_sweep();
    if (store->disk_full()) schedule_disk_probe();
    return Status::ok();
  }

  void stop() {
    stopped = true;
    if (backups) backups->stop();
    server.stop();
    sweep_timer.cancel();
    disk_timer.cancel();
    pull_timer.cancel();
    if (primary_client) primary_client->close();
    for (auto& p : parked) p.timer->cancel();
  }

  // ---- routing ----------------------------------------------------------------------------

  void handle(HttpRequest&& request, Respond respond) {
    const std::string path = request.path();
    const std::string& method = request.method;
    if (method == "POST" && path == "/v1/payments") return handle_payment(request, std::move(respond));
    if (method == "GET" && path == "/internal/replicate") return handle_replicate(request, std::move(respond));
    if (method == "GET" && path == "/internal/status") return respond(json_response(200, status_json()));
    if (method == "POST" && path == "/internal/promote") return respond(handle_promote(request));
    if (method == "POST" && path == "/internal/follow") return respond(handle_follow(request));
    if (method == "GET" && path == "/v1/accounts") return respond(all_accounts());
    if (method == "GET" && path.rfind("/v1/accounts/", 0) == 0) {
      return respond(one_account(path.substr(std::string("/v1/accounts/").size())));
    }
    if (method == "GET" && path == "/v1/ledger/export") return respond(export_response());
    if (method == "GET" && path == "/healthz") return respond(health());
    if (method == "GET" && path == "/metrics") return respond(metrics());
    respond(error_response(404, "not_found", method + " " + path + ": no such endpoint"));
  }

  // ---- payments (primary) -----------------------------------------------------------------

  // The gateway says which epoch it believes current (?epoch=N): a newer one fences us off. Only
  // the primary of the current epoch takes payments.
  std::optional<HttpResponse> refuse_unless_primary(const HttpRequest& request) {
    auto gateway_epoch = to_int(request.query("epoch"));
    if (gateway_epoch && *gateway_epoch > store->epoch()) step_down(*gateway_epoch);
    if (role != Role::primary) {
      return json_response(409, json::object{{"error", "not_primary"},
                                             {"message", config.node.id + " is not the primary"},
                                             {"epoch", store->epoch()},
                                             {"primary", primary_id}});
    }
    if (gateway_epoch && *gateway_epoch != store->epoch()) {
      return json_response(409, json::object{{"error", "not_primary"},
                                             {"message", "stale epoch"},
                                             {"epoch", store->epoch()}});
    }
    return std::nullopt;
  }

  // A payment whose timestamp is outside the freshness window of this node's clock is refused.
  std::optional<HttpResponse> refuse_stale_timestamp(const PaymentRequest& payment, int64_t now) {
    if (payment.timestamp_ms >= now - config.freshness_window_ms &&
        payment.timestamp_ms <= now + config.freshness_window_ms) {
      return std::nullopt;
    }
    ++clock_rejections;
    return error_response(409, "clock_skew",
                          "timestamp_ms " + std::to_string(payment.timestamp_ms) + " is " +
                              std::to_string(payment.timestamp_ms - now) + " ms from " + config.node.id +
                              "'s clock; the freshness window is ±" +
                              std::to_string(config.freshness_window_ms) + " ms");
  }

  void handle_payment(const HttpRequest& request, Respond respond) {
    if (auto refusal = refuse_unless_primary(request)) return respond(std::move(*refusal));
    auto parsed = parse_payment_request(request.body, request.header("idempotency-key"),
                                        config.amount_max);
    if (auto* error = std::get_if<ApiError>(&parsed)) {
      return respond(HttpResponse{error->status, error->to_json()});
    }
    const PaymentRequest& payment = std::get<PaymentRequest>(parsed);
    int64_t now = wall_clock_ms();
    if (auto refusal = refuse_stale_timestamp(payment, now)) return respond(std::move(*refusal));
    if (pending.size() + waiters.size() >= static_cast<std::size_t>(config.pending_max)) {
      return respond(error_response(503, "overloaded", "too many payments in flight"));
    }
    if (auto it = pending_by_key.find(payment.idempotency_key); it != pending_by_key.end()) {
      Pending& same = pending[it->second];
      if (!same_payment(same.transfer, payment)) return respond(key_reused(payment));
      same.responders.push_back(std::move(respond));
      return;
    }
    if (auto record = store->find_idempotency(payment.idempotency_key);
        record && now - record->created_ms <= config.idempotency_ttl_ms) {
      return replay(*record, payment, std::move(respond));
    }
    for (auto [field, account] : {std::pair{"from", &payment.from}, std::pair{"to", &payment.to}}) {
      if (!available.count(*account)) {
        return respond(json_response(404, json::object{{"error", "unknown_account"},
                                                       {"field", field},
                                                       {"message", *account + ": no such account"}}));
      }
    }
    if (available[payment.from] < payment.amount) {
      return respond(error_response(422, "insufficient_funds",
                                    payment.from + " holds less than " +
                                        std::to_string(payment.amount)));
    }
    available[payment.from] -= payment.amount;
    available[payment.to] += payment.amount;
    Transfer transfer{0, store->epoch(), payment.idempotency_key, payment.from, payment.to,
                      payment.amount, payment.timestamp_ms, now};
    pending_by_key[payment.idempotency_key] = pending.size();
    pending.push_back(Pending{std::move(transfer), {}});
    pending.back().responders.push_back(std::move(respond));
    if (!commit_scheduled) {
      commit_scheduled = true;
      // Posting lets every request that arrived in this turn of the loop join one transaction.
      asio::post(io, [self = shared_from_this()] { self->commit_pending(); });
    }
  }

  static bool same_payment(const Transfer& t, const PaymentRequest& p) {
    return t.from == p.from && t.to == p.to && t.amount == p.amount;
  }

  HttpResponse key_reused(const PaymentRequest& payment) {
    return error_response(422, "idempotency_key_reused",
                          "idempotency_key " + payment.idempotency_key +
                              " was used for a different payment");
  }

  // A repeated key: the original result, once the original is as durable as a new one would be.
  void replay(const IdempotencyRecord& record, const PaymentRequest& payment, Respond respond) {
    auto original = store->transfer_at(record.position);
    if (!original) return respond(error_response(500, "storage_error", "idempotency record without transfer"));
    if (!same_payment(*original, payment)) return respond(key_reused(payment));
    std::string body = payment_result_json(*original);
    if (config.replication == "async" || original->position <= quorum_position()) {
      return respond(HttpResponse{201, body});
    }
    waiters.push_back(Waiter{original->position, Clock::now() + milliseconds(config.sync_timeout_ms),
                             std::move(respond), std::move(body)});
    std::sort(waiters.begin(), waiters.end(),
              [](const Waiter& a, const Waiter& b) { return a.position < b.position; });
  }

  void commit_pending() {
    commit_scheduled = false;
    if (pending.empty()) return;
    std::vector<Pending> batch;
    std::size_t take = std::min(pending.size(), static_cast<std::size_t>(config.commit_batch_max));
    batch.assign(std::make_move_iterator(pending.begin()),
                 std::make_move_iterator(pending.begin() + static_cast<std::ptrdiff_t>(take)));
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(take));
    pending_by_key.clear();
    for (std::size_t i = 0; i < pending.size(); ++i) pending_by_key[pending[i].transfer.idempotency_key] = i;
    if (!pending.empty()) {
      commit_scheduled = true;
      asio::post(io, [self = shared_from_this()] { self->commit_pending(); });
    }

    std::vector<Transfer> transfers;
    int64_t position = store->last_position();
    for (auto& p : batch) {
      p.transfer.position = ++position;
      transfers.push_back(p.transfer);
    }
    if (Status s = store->append(transfers); !s) {
      ++commit_failures;
      log->error("ledger {}: commit of {} transfers failed: {}", config.node.id, transfers.size(), s.message());
      reset_available();
      bool full = store->disk_full();
      if (full) schedule_disk_probe();
      for (auto& p : batch) {
        for (auto& r : p.responders) {
          r(full ? error_response(507, "disk_full", config.node.id + ": cannot commit: " + s.message())
                 : error_response(503, "storage_error", config.node.id + ": cannot commit: " + s.message()));
        }
      }
      return;
    }
    ++commits;
    for (auto& p : batch) {
      std::string body = payment_result_json(p.transfer);
      for (auto& r : p.responders) {
        if (config.replication == "async") {
          r(HttpResponse{201, body});
        } else {
          waiters.push_back(Waiter{p.transfer.position,
                                   Clock::now() + milliseconds(config.sync_timeout_ms), std::move(r),
                                   body});
        }
      }
    }
    wake_parked_pulls();
    release_waiters();
  }

  void reset_available() {
    available = store->balances();
    for (const auto& p : pending) {
      available[p.transfer.from] -= p.transfer.amount;
      available[p.transfer.to] += p.transfer.amount;
    }
  }

  // The newest position held by at least sync_replicas standbys.
  int64_t quorum_position() const {
    if (config.sync_replicas <= 0) return store->last_position();
    std::vector<int64_t> positions;
    for (const auto& [id, position] : acked) positions.push_back(position);
    if (positions.size() < static_cast<std::size_t>(config.sync_replicas)) return 0;
    std::sort(positions.rbegin(), positions.rend());
    return positions[static_cast<std::size_t>(config.sync_replicas - 1)];
  }

  void release_waiters() {
    int64_t quorum = quorum_position();
    while (!waiters.empty() && waiters.front().position <= quorum) {
      Waiter w = std::move(waiters.front());
      waiters.pop_front();
      w.respond(HttpResponse{201, std::move(w.body)});
    }
  }

  // Every 20 ms: sync waiters past their deadline get 504; every 10 s: expired keys are purged.
  void schedule_sweep() {
    sweep_timer.expires_after(milliseconds(20));
    sweep_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped) return;
      self->sweep();
      self->schedule_sweep();
    });
  }

  Clock::time_point next_expiry = Clock::now();
  void sweep() {
    auto now = Clock::now();
    while (!waiters.empty() && waiters.front().deadline <= now) {
      fail_waiter(std::move(waiters.front()));
      waiters.pop_front();
    }
    // Deadlines are not strictly ordered with positions after a replay; check the rest too.
    for (auto it = waiters.begin(); it != waiters.end();) {
      if (it->deadline <= now) {
        fail_waiter(std::move(*it));
        it = waiters.erase(it);
      } else {
        ++it;
      }
    }
    if (now >= next_expiry) {
      next_expiry = now + std::chrono::seconds(10);
      auto expired = store->expire_idempotency(wall_clock_ms() - config.idempotency_ttl_ms);
      if (expired && *expired > 0) log->info("ledger {}: {} idempotency keys expired", config.node.id, *expired);
    }
  }

  void fail_waiter(Waiter w) {
    w.respond(error_response(504, "replication_timeout",
                             config.node.id + " committed position " + std::to_string(w.position) +
                                 " but not enough standbys confirmed it in time (sync_replicas = " +
                                 std::to_string(config.sync_replicas) + "): the outcome is unknown"));
  }

  // ---- disk -------------------------------------------------------------------------------

  void schedule_disk_probe() {
    disk_timer.expires_after(milliseconds(config.disk_probe_interval_ms));
    disk_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped) return;
      if (self->store->probe_write(wall_clock_ms())) {
        self->log->info("ledger {}: disk accepts writes again", self->config.node.id);
        return;
      }
      self->schedule_disk_probe();
    });
  }

  // ---- roles ------------------------------------------------------------------------------

  HttpResponse handle_promote(const HttpRequest& request) {
    json::error_code ec;
    json::value body = json::parse(request.body, ec);
    auto* epoch = ec || !body.is_object() ? nullptr : body.as_object().if_contains("epoch");
    if (!epoch || !epoch->is_int64()) return error_response(400, "invalid_field", "epoch: required integer");
    int64_t new_epoch = epoch->as_int64();
    if (new_epoch <= store->epoch()) {
      return json_response(409, json::object{{"error", "stale_epoch"}, {"epoch", store->epoch()}});
    }
    if (store->disk_full()) return error_response(507, "disk_full", config.node.id + ": disk full");
    if (Status s = store->set_epoch(new_epoch); !s) {
      if (store->disk_full()) schedule_disk_probe();
      return error_response(507, "disk_full", config.node.id + ": " + s.message());
    }
    stop_pulling();
    role = Role::primary;
    primary_id = config.node.id;
    primary_url.clear();
    acked.clear();
    reset_available();
    log->warn("ledger {}: promoted to primary, epoch {} from position {}", config.node.id, new_epoch,
              store->last_position());
    return json_response(200, status_json());
  }

  HttpResponse handle_follow(const HttpRequest& request) {
    json::error_code ec;
    json::value body = json::parse(request.body, ec);
    const json::object* object = ec ? nullptr : body.if_object();
    const json::value* epoch = object ? object->if_contains("epoch") : nullptr;
    const json::value* primary = object ? object->if_contains("primary") : nullptr;
    const json::value* url = object ? object->if_contains("primary_url") : nullptr;
    if (!epoch || !epoch->is_int64() || !primary || !primary->is_string() || !url ||
        !url->is_string()) {
      return error_response(400, "invalid_field", "expected {epoch, primary, primary_url}");
    }
    int64_t new_epoch = epoch->as_int64();
    if (new_epoch < store->epoch()) {
      return json_response(409, json::object{{"error", "stale_epoch"}, {"epoch", store->epoch()}});
    }
    auto address = parse_host_port(std::string(url->as_string()));
    if (!address) return error_response(400, "invalid_field", address.status().message());
    if (role == Role::primary) step_down(new_epoch);
    if (new_epoch > store->epoch()) {
      if (Status s = store->set_epoch(new_epoch); !s) return error_response(507, "disk_full", s.message());
    }
    std::string new_primary(primary->as_string());
    if (new_primary != primary_id || std::string(url->as_string()) != primary_url || !primary_client) {
      primary_id = new_primary;
      primary_url = std::string(url->as_string());
      log->info("ledger {}: following {} at {} (epoch {})", config.node.id, primary_id, primary_url,
                new_epoch);
      stop_pulling();
      primary_client = std::make_unique<HttpClient>(io, address->host, address->port, 2);
      pull();
    }
    return json_response(200, status_json());
  }

  // Leaves the primary role: nothing more is acknowledged here. Payments committed locally but
  // not yet confirmed get 504 (they may or may not survive); uncommitted ones get 503.
  void step_down(int64_t new_epoch) {
    if (new_epoch > store->epoch()) (void)store->set_epoch(new_epoch);
    if (role != Role::primary) return;
    log->warn("ledger {}: stepping down, a newer epoch {} exists", config.node.id, new_epoch);
    role = Role::standby;
    primary_id.clear();
    while (!waiters.empty()) {
      fail_waiter(std::move(waiters.front()));
      waiters.pop_front();
    }
    for (auto& p : pending) {
      for (auto& r : p.responders) r(error_response(503, "not_primary", config.node.id + " stepped down"));
    }
    pending.clear();
    pending_by_key.clear();
    for (auto& p : parked) p.timer->cancel();
  }

  // ---- replication: primary side ----------------------------------------------------------

  void handle_replicate(const HttpRequest& request, Respond respond) {
    auto epoch = to_int(request.query("epoch"));
    auto after_position = to_int(request.query("after_position"));
    auto after_epoch = to_int(request.query("after_epoch"));
    auto wait_ms = to_int(request.query("wait_ms")).value_or(0);
    auto node = request.query("node").value_or("");
    if (!epoch || !after_position || !after_epoch || node.empty()) {
      return respond(error_response(400, "invalid_field",
                                    "expected node, epoch, after_position, after_epoch"));
    }
    if (*epoch > store->epoch()) step_down(*epoch);
    if (role != Role::primary || *epoch != store->epoch()) {
      return respond(json_response(409, json::object{{"error", "not_primary"},
                                                     {"epoch", store->epoch()}}));
    }
    // The standby's newest entry must be ours too, else it diverged: it keeps only the prefix
    // that both logs share.
    if (store->epoch_at(*after_position) != after_epoch) {
      int64_t keep = std::min(*after_position, store->last_position_in_epoch_at_most(*after_epoch));
      keep = std::min(keep, *after_position - 1);
      keep = std::max<int64_t>(keep, 0);
      return respond(json_response(409, json::object{{"error", "diverged"}, {"truncate_to", keep}}));
    }
    acked[node] = *after_position;
    release_waiters();
    if (store->last_position() > *after_position || wait_ms <= 0) {
      return respond(entries_after(*after_position));
    }
    auto timer = std::make_shared<asio::steady_timer>(io);
    timer->expires_after(milliseconds(std::min<int64_t>(wait_ms, 5000)));
    parked.push_back(ParkedPull{*after_position, timer, std::move(respond)});
    timer->async_wait([self = shared_from_this(), timer](const boost::system::error_code&) {
      auto& list = self->parked;
      auto it = std::find_if(list.begin(), list.end(),
                             [&](const ParkedPull& p) { return p.timer == timer; });
      if (it == list.end()) return;
      ParkedPull p = std::move(*it);
      list.erase(it);
      p.respond(self->entries_after(p.after_position));
    });
  }

  HttpResponse entries_after(int64_t after_position) {
    if (role != Role::primary) {
      return json_response(409, json::object{{"error", "not_primary"}, {"epoch", store->epoch()}});
    }
    auto entries = store->read_after(after_position,
                                     static_cast<std::size_t>(config.replication_batch_max));
    if (!entries) return error_response(500, "storage_error", entries.status().message());
    json::array list;
    for (const auto& t : *entries) list.push_back(transfer_to_json(t));
    return json_response(200, json::object{{"epoch", store->epoch()},
                                           {"last_position", store->last_position()},
                                           {"entries", std::move(list)}});
  }

  void wake_parked_pulls() {
    std::vector<ParkedPull> ready = std::move(parked);
    parked.clear();
    for (auto& p : ready) {
      p.timer->cancel();  // its handler finds nothing left to answer
      p.respond(entries_after(p.after_position));
    }
  }

  // ---- replication: standby side ----------------------------------------------------------

  void stop_pulling() {
    ++pull_generation;
    pull_timer.cancel();
    if (primary_client) primary_client->close();
    primary_client.reset();
  }

  void pull() {
    if (stopped || role != Role::standby || !primary_client) return;
    if (store->disk_full()) return retry_pull(config.disk_probe_interval_ms);
    uint64_t generation = pull_generation;
    std::string target = "/internal/replicate?node=" + config.node.id +
                         "&epoch=" + std::to_string(store->epoch()) +
                         "&after_position=" + std::to_string(store->last_position()) +
                         "&after_epoch=" + std::to_string(store->last_epoch()) +
                         "&wait_ms=" + std::to_string(config.replication_wait_ms);
    primary_client->request(
        "GET", target, "", milliseconds(config.replication_wait_ms + 2000),
        [self = shared_from_this(), generation](HttpResult result) {
          if (generation != self->pull_generation) return;
          self->on_pulled(std::move(result));
        });
  }

  void retry_pull(int64_t delay_ms) {
    uint64_t generation = pull_generation;
    pull_timer.expires_after(milliseconds(delay_ms));
    pull_timer.async_wait([self = shared_from_this(), generation](const boost::system::error_code& ec) {
      if (ec || generation != self->pull_generation) return;
      self->pull();
    });
  }

  void on_pulled(HttpResult result) {
    if (!result.ok()) return retry_pull(100);
    json::error_code ec;
    json::value body = json::parse(result.body, ec);
    const json::object* object = ec ? nullptr : body.if_object();
    if (!object) return retry_pull(100);
    if (result.status == 409) {
      if (const json::value* keep = object->if_contains("truncate_to"); keep && keep->is_int64()) {
        auto removed = store->truncate_after(keep->as_int64());
        if (!removed) {
          log->error("ledger {}: truncate failed: {}", config.node.id, removed.status().message());
          return retry_pull(config.disk_probe_interval_ms);
        }
        discarded_transfers += static_cast<int64_t>(removed->size());
        log->warn("ledger {}: log diverged from {}; discarded {} transfers after position {}",
                  config.node.id, primary_id, removed->size(), keep->as_int64());
        return pull();
      }
      return retry_pull(100);
    }
    if (result.status != 200) return retry_pull(100);
    const json::value* entries = object->if_contains("entries");
    if (!entries || !entries->is_array()) return retry_pull(100);
    std::vector<Transfer> batch;
    for (const auto& value : entries->as_array()) {
      auto transfer = transfer_from_json(value);
      if (!transfer) return retry_pull(100);
      batch.push_back(std::move(*transfer));
    }
    if (!batch.empty()) {
      if (Status s = store->append(batch); !s) {
        log->error("ledger {}: cannot apply {} replicated transfers: {}", config.node.id, batch.size(),
                   s.message());
        if (store->disk_full()) schedule_disk_probe();
        return retry_pull(config.disk_probe_interval_ms);
      }
    }
    pull();
  }

  // ---- reads ------------------------------------------------------------------------------

  const char* role_name() const { return role == Role::primary ? "primary" : "standby"; }

  json::object status_json() const {
    json::object status{{"node", config.node.id},
                        {"role", role_name()},
                        {"epoch", store->epoch()},
                        {"primary", primary_id},
                        {"last_position", store->last_position()},
                        {"last_epoch", store->last_epoch()},
                        {"healthy", !store->disk_full()},
                        {"disk_full", store->disk_full()},
                        {"replication", config.replication},
                        {"wall_clock_ms", wall_clock_ms()},
                        {"clock_rejections_total", clock_rejections},
                        {"commit_failures_total", commit_failures},
                        {"discarded_transfers_total", discarded_transfers}};
    if (backups) {
      backup::BackupStats b = backups->stats();
      status["backup_full_position"] = b.full_position;
      status["backup_archived_position"] = b.archived_position;
    }
    return status;
  }

  HttpResponse health() const {
    json::object body = status_json();
    body["status"] = store->disk_full() ? "unhealthy" : "ok";
    if (store->disk_full()) body["reason"] = "disk_full";
    return json_response(store->disk_full() ? 503 : 200, body);
  }

  HttpResponse one_account(const std::string& id) const {
    auto balance = store->balance(id);
    if (!balance) return error_response(404, "unknown_account", id + ": no such account");
    return json_response(200, json::object{{"id", id}, {"balance", *balance},
                                           {"node", config.node.id}, {"position", store->last_position()}});
  }

  HttpResponse all_accounts() const {
    json::array accounts;
    for (const auto& [id, balance] : store->balances()) {
      accounts.push_back(json::object{{"id", id}, {"balance", balance}});
    }
    return json_response(200, json::object{{"node", config.node.id},
                                           {"position", store->last_position()},
                                           {"total", store->total_money()},
                                           {"accounts", std::move(accounts)}});
  }

  HttpResponse export_response() const {
    HttpResponse response{200, "", "application/x-ndjson"};
    Status s = store->export_ndjson([&](const std::string& line) { response.body += line; });
    if (!s) return error_response(500, "storage_error", s.message());
    return response;
  }

  HttpResponse metrics() const {
    MetricsText m;
    m.gauge("refpay_ledger_role_primary", "1 when this node is the primary",
            role == Role::primary ? 1 : 0);
    m.gauge("refpay_ledger_epoch", "the newest epoch this node knows", store->epoch());
    // This node's own wall clock: a rule compares it with the scrape's time (clock skew).
    m.gauge("refpay_ledger_wall_clock_milliseconds", "this node's wall clock, Unix milliseconds", wall_clock_ms());
    m.gauge("refpay_ledger_last_position", "position of the newest transfer", store->last_position());
    m.gauge("refpay_ledger_disk_full", "1 while writes fail for lack of space", store->disk_full() ? 1 : 0);
    m.counter("refpay_ledger_commits_total", "successful commit transactions", commits);
    m.counter("refpay_ledger_commit_failures_total", "failed commit transactions", commit_failures);
    m.counter("refpay_ledger_clock_rejections_total",
              "payments refused for a timestamp outside the freshness window", clock_rejections);
    m.counter("refpay_ledger_discarded_transfers_total",
              "transfers removed from a diverged log after a failover", discarded_transfers);
    m.gauge("refpay_ledger_payments_waiting", "payments waiting for commit or replication",
            static_cast<int64_t>(pending.size() + waiters.size()));
    if (backups) {
      backup::BackupStats b = backups->stats();
      m.gauge("refpay_ledger_backup_full_position", "last position of the newest full backup (-1: none)",
              b.full_position);
      m.gauge("refpay_ledger_backup_archived_position", "newest position in an archive segment",
              b.archived_position);
      m.counter("refpay_ledger_backups_total", "hot full backups written", b.full_backups);
      m.counter("refpay_ledger_backup_segments_total", "archive segments written", b.segments);
      m.counter("refpay_ledger_backup_failures_total", "failed backup or archive steps", b.failures);
      m.counter("refpay_ledger_backups_invalidated_total",
                "backups removed because a truncation discarded transfers they held", b.invalidated);
    }
    return HttpResponse{200, m.text(), "text/plain; version=0.0.4"};
  }
};

}  // namespace

std::unique_ptr<Service> make_ledger_node(asio::io_context& io, LedgerConfig config,
                                          std::unique_ptr<LedgerStore> store) {
  return SharedService<LedgerState>::make(io, std::move(config), std::move(store));
}

}  // namespace refpay
