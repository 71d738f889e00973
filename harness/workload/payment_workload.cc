// PaymentWorkload (payment_workload.h): the open-loop payments workload.
//
// One steady timer walks the schedule: on each tick every payment whose due time has passed is
// either sent or, when in_flight() has reached the cap, counted as skipped (skips are recorded
// on the timeline as one aggregated record at most once per second). Payment n's accounts and
// amount are drawn from an mt19937_64 seeded by the drill seed — for skipped payments too, so
// payment n is the same whatever the timing. Each attempt is an `invoke` record, an HttpClient
// request with a deadline, and one completion record; an `unknown` completion is retried after
// retry_delay with the same key. Retries are exempt from the in-flight cap (they continue a
// payment already admitted; dropping them would lose information); the client's queue, as large
// as the cap, absorbs them.
//
// Everything except the Stats runs on the io_context thread without locks; the Stats (counters,
// a latency histogram and a ring of recent completions) sit behind one mutex so that a progress
// display on another thread can read them.
#include "workload/payment_workload.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cassert>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <list>
#include <mutex>
#include <random>
#include <vector>

#include "core/limits.h"
#include "core/percentile.h"
#include "net/http.h"
#include "timeline/timeline.h"

namespace firedrill {

namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

// How one entry of the ring of recent completions ended (a skip entry counts payments not started).
enum class AttemptOutcome : uint8_t { ok, fail, unknown, skipped };

// The timeline's kind of a completion (skips are recorded apart, as WorkloadSkipped).
WorkloadOutcome to_record_outcome(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::ok: return WorkloadOutcome::ok;
    case AttemptOutcome::fail: return WorkloadOutcome::fail;
    case AttemptOutcome::unknown:
    case AttemptOutcome::skipped: break;
  }
  return WorkloadOutcome::unknown;
}

bool contains(const std::vector<int64_t>& statuses, int status) {
  return std::find(statuses.begin(), statuses.end(), status) != statuses.end();
}

// A log-linear histogram of latencies in ns: 64 buckets per power of two (≤ 1.6% error), fixed
// size, O(1) add. For totals(), which covers the whole drill.
class LatencyHistogram {
 public:
  void add(int64_t value_ns) {
    ++counts_[index_of(static_cast<uint64_t>(std::max<int64_t>(0, value_ns)))];
  }

  // The percentile `p` in [0, 1] (core/percentile.h), in ms, at its bucket's middle; 0 when empty.
  double percentile_ms(double p) const {
    const auto bucket = percentile_bucket(counts_, p);
    return bucket ? static_cast<double>(middle_of(*bucket)) / 1e6 : 0;
  }

 private:
  static constexpr int kSubBits = 6;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;

  static std::size_t index_of(uint64_t v) {
    if (v < kSub) return static_cast<std::size_t>(v);
    const int exponent = std::bit_width(v) - 1;  // >= kSubBits
    const uint64_t sub = (v >> (exponent - kSubBits)) & (kSub - 1);
    return static_cast<std::size_t>((exponent - kSubBits + 1) * kSub + sub);
  }
  static uint64_t middle_of(std::size_t index) {
    if (index < kSub) return index;
    const int exponent = static_cast<int>(index / kSub) + kSubBits - 1;
    const uint64_t sub = index % kSub;
    const uint64_t width = uint64_t{1} << (exponent - kSubBits);
    return ((kSub + sub) << (exponent - kSubBits)) + width / 2;
  }

  std::vector<int64_t> counts_ = std::vector<int64_t>((64 - kSubBits + 1) * kSub, 0);
};

// The percentile `p` of `values` (reordered; core/percentile.h), in ms; 0 when empty.
double percentile_ms(std::vector<int64_t>& values, double p) {
  const auto value = percentile(values, p);
  return value ? static_cast<double>(*value) / 1e6 : 0;
}

// Splits an account pattern at every "{i}" so that names are built by concatenation.
std::vector<std::string> split_pattern(const std::string& pattern) {
  std::vector<std::string> pieces;
  std::size_t begin = 0;
  for (std::size_t at; (at = pattern.find("{i}", begin)) != std::string::npos; begin = at + 3) {
    pieces.push_back(pattern.substr(begin, at - begin));
  }
  pieces.push_back(pattern.substr(begin));
  return pieces;
}

int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<WorkloadTarget> parse_workload_target(const std::string& base_url) {
  if (base_url.rfind("https://", 0) == 0) {
    return Status::error("payments base_url '" + base_url + "': https is not supported");
  }
  auto host_port = parse_host_port(base_url);
  if (!host_port) return host_port.status().with_context("payments base_url");
  WorkloadTarget target;
  target.host = host_port->first;
  target.port = host_port->second;
  std::string_view rest = base_url;
  if (rest.rfind("http://", 0) == 0) rest.remove_prefix(7);
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    path = path.substr(0, path.find_first_of("?#"));
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    target.base_path = std::string(path);
  }
  return target;
}

// One payment: what is drawn for payment n, plus the attempt being made.
struct Payment {
  int64_t n = 0;
  int64_t from = 0;  // account numbers in [1, accounts]
  int64_t to = 0;
  int64_t amount = 0;
  int64_t attempt = 1;  // 1 for the first request, then 2, 3, ... for retries
};

struct PaymentWorkload::Impl : std::enable_shared_from_this<PaymentWorkload::Impl> {
  Impl(asio::io_context& io_context, const WorkloadSpec& workload_spec,
       const PaymentContract& payment_contract, uint64_t drill_seed, Timeline& drill_timeline)
      : io(io_context),
        spec(workload_spec),
        contract(payment_contract),
        seed(drill_seed),
        timeline(drill_timeline),
        rng(drill_seed),
        account_pieces(split_pattern(payment_contract.account_pattern)),
        schedule_timer(io_context) {
    char prefix[32];
    std::snprintf(prefix, sizeof prefix, "%llx-", static_cast<unsigned long long>(seed));
    key_prefix = prefix;
  }

  Status validate() const;
  Status start();
  void stop(std::function<void()> drained);
  void detach();

  Payment draw(int64_t n);
  std::string account_name(int64_t i) const;
  std::string body_of(const std::string& key, const std::string& from, const std::string& to,
                      int64_t amount) const;
  void arm_schedule(Clock::time_point now);
  void on_tick();
  void send(Payment payment);
  void on_result(const Payment& payment, int64_t op, const std::string& key, Clock::time_point sent,
                 HttpResult result);
  AttemptOutcome classify(const HttpResult& result) const;
  void schedule_retry(Payment payment);
  void note_skipped(int64_t count);
  void flush_skipped(bool force);
  void note_completion(int64_t t_ns, AttemptOutcome outcome, int64_t latency_ns);
  void finish_drain();

  asio::io_context& io;
  const WorkloadSpec spec;
  const PaymentContract contract;
  const uint64_t seed;
  Timeline& timeline;
  std::mt19937_64 rng;
  const std::vector<std::string> account_pieces;
  std::string key_prefix;  // "<seed hex>-"
  std::string target_path;
  std::unique_ptr<HttpClient> client;

  // The schedule (io_context thread only).
  asio::steady_timer schedule_timer;
  Clock::time_point start_time;
  int64_t next_n = 0;  // the next payment to fall due
  int64_t op_seq = 0;  // op ids of attempts, from 1
  bool started = false;
  bool stopped = false;
  bool detached = false;
  std::list<std::shared_ptr<asio::steady_timer>> retry_timers;
  std::vector<std::function<void()>> drain_callbacks;
  int64_t skipped_unrecorded = 0;
  int64_t skipped_recorded_at_ns = -1;
  std::atomic<int64_t> in_flight{0};

  // The Stats (any thread, under stats_mutex).
  struct RingEntry {
    int64_t t_ns;
    int64_t latency_ns;
    int64_t count;  // 1 for a completion; the number of payments for a skipped entry
    AttemptOutcome outcome;
  };
  mutable std::mutex stats_mutex;
  Stats totals;  // latency fields unused: see histogram
  LatencyHistogram histogram;
  std::deque<RingEntry> ring;  // in time order

  // Calls `visit` with every ring entry of the last `window_ns` of the timeline clock, newest
  // first, under stats_mutex.
  template <typename Visit>
  void visit_recent(int64_t window_ns, Visit visit) const {
    const int64_t since_ns = timeline.now_ns() - window_ns;
    std::lock_guard lock(stats_mutex);
    for (auto it = ring.rbegin(); it != ring.rend() && it->t_ns > since_ns; ++it) visit(*it);
  }
};

Status PaymentWorkload::Impl::validate() const {
  const auto fail = [](const std::string& why) { return Status::error("payments workload: " + why); };
  if (!(spec.rate_per_s > 0) || !std::isfinite(spec.rate_per_s)) {
    return fail("rate_per_s must be > 0");
  }
  if (spec.accounts < 2) return fail("accounts must be >= 2 (payments need two accounts)");
  if (spec.amount_max < 1) return fail("amount_max must be >= 1");
  if (spec.in_flight_max < 1) return fail("in_flight_max must be >= 1");
  if (spec.timeout.count() <= 0) return fail("timeout must be > 0");
  if (spec.retries < 0) return fail("retries must be >= 0");
  if (spec.retry_delay.count() < 0) return fail("retry_delay must be >= 0");
  if (account_pieces.size() < 2) {
    return fail("account_pattern '" + contract.account_pattern + "' has no {i}");
  }
  return Status::ok();
}

Status PaymentWorkload::Impl::start() {
  if (started) return Status::error("payments workload: already started");
  if (stopped) return Status::error("payments workload: stopped before start");
  if (Status status = validate(); !status) return status;
  auto target = parse_workload_target(contract.base_url);
  if (!target) return target.status().with_context("payments workload");
  target_path = target->base_path + contract.path;
  const auto pool = static_cast<std::size_t>(spec.in_flight_max);
  client = std::make_unique<HttpClient>(io, target->host, target->port, pool, pool);
  started = true;
  start_time = Clock::now();
  schedule_timer.expires_at(start_time);
  schedule_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->on_tick();
  });
  return Status::ok();
}

// Payment n's draws; called for every n in order, so the sequence depends only on the seed.
// `rng() % k` is used instead of std::uniform_int_distribution, whose mapping differs between
// standard libraries; its bias (k / 2^64) is far below anything measurable.
Payment PaymentWorkload::Impl::draw(int64_t n) {
  const auto accounts = static_cast<uint64_t>(spec.accounts);
  Payment payment;
  payment.n = n;
  payment.from = static_cast<int64_t>(rng() % accounts) + 1;
  payment.to = static_cast<int64_t>(rng() % (accounts - 1)) + 1;
  if (payment.to >= payment.from) ++payment.to;  // distinct from `from`, still uniform
  payment.amount = static_cast<int64_t>(rng() % static_cast<uint64_t>(spec.amount_max)) + 1;
  return payment;
}

std::string PaymentWorkload::Impl::account_name(int64_t i) const {
  const std::string number = std::to_string(i);
  std::string name = account_pieces[0];
  for (std::size_t k = 1; k < account_pieces.size(); ++k) {
    name += number;
    name += account_pieces[k];
  }
  return name;
}

std::string PaymentWorkload::Impl::body_of(const std::string& key, const std::string& from,
                                           const std::string& to, int64_t amount) const {
  json::object body;
  body.reserve(5);
  body[contract.key_field] = key;
  body[contract.from_field] = from;
  body[contract.to_field] = to;
  body[contract.amount_field] = amount;
  // A fresh wall-clock time per attempt, as a real client sends: a retry after a clock-skew
  // fault carries the skewed-against time again.
  if (!contract.timestamp_field.empty()) body[contract.timestamp_field] = unix_ms_now();
  return json::serialize(body);
}

void PaymentWorkload::Impl::arm_schedule(Clock::time_point now) {
  const auto due = start_time + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(next_n / spec.rate_per_s));
  schedule_timer.expires_at(std::max(due, now + kWorkloadTickMinUs));
  schedule_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->on_tick();
  });
}

void PaymentWorkload::Impl::on_tick() {
  if (stopped) return;
  const auto now = Clock::now();
  const double elapsed_s = std::chrono::duration<double>(now - start_time).count();
  // Payment n is due at n / rate: those with n <= elapsed * rate are due now.
  const auto due_end = static_cast<int64_t>(std::floor(elapsed_s * spec.rate_per_s)) + 1;
  int64_t sent = 0;
  int64_t skipped = 0;
  while (next_n < due_end && sent < kWorkloadSendsPerTickMax) {
    Payment payment = draw(next_n++);
    if (in_flight.load(std::memory_order_relaxed) >= spec.in_flight_max) {
      ++skipped;
      continue;
    }
    send(payment);
    ++sent;
  }
  if (skipped > 0) note_skipped(skipped);
  flush_skipped(/*force=*/false);
  if (next_n < due_end) {
    // Caught up only partly (after a stall): let I/O completions run, then continue at once.
    asio::post(io, [self = shared_from_this()] { self->on_tick(); });
    return;
  }
  arm_schedule(now);
}

void PaymentWorkload::Impl::send(Payment payment) {
  const int64_t op = ++op_seq;
  std::string key = key_prefix + std::to_string(payment.n);
  std::string from = account_name(payment.from);
  std::string to = account_name(payment.to);
  std::string body = body_of(key, from, to, payment.amount);
  timeline.write(WorkloadInvoke{
      .op = op, .key = key, .from = from, .to = to, .amount = payment.amount, .attempt = payment.attempt});
  in_flight.fetch_add(1, std::memory_order_relaxed);
  const auto sent = Clock::now();
  client->request("POST", target_path, std::move(body), spec.timeout,
                  [self = shared_from_this(), payment, op, key = std::move(key),
                   sent](HttpResult result) {
                    self->on_result(payment, op, key, sent, std::move(result));
                  });
}

// ok / fail / unknown, from the contract's statuses and whether the request may have arrived.
AttemptOutcome PaymentWorkload::Impl::classify(const HttpResult& result) const {
  if (result.ok()) {
    if (contains(contract.success_statuses, result.status)) return AttemptOutcome::ok;
    if (contains(contract.failure_statuses, result.status)) return AttemptOutcome::fail;
    return AttemptOutcome::unknown;
  }
  // HttpClient guarantees no byte of the request left when request_sent is false (connect
  // failed or timed out, client queue full): the payment cannot have been applied.
  return result.request_sent ? AttemptOutcome::unknown : AttemptOutcome::fail;
}

void PaymentWorkload::Impl::on_result(const Payment& payment, int64_t op, const std::string& key,
                                      Clock::time_point sent, HttpResult result) {
  if (detached) return;  // the owner is gone; so may be the timeline
  const int64_t latency_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - sent).count();
  const AttemptOutcome outcome = classify(result);
  std::string error;
  if (outcome != AttemptOutcome::ok) {
    if (result.ok()) {
      error = "HTTP " + std::to_string(result.status);
      if (!result.body.empty()) error += ": " + result.body.substr(0, kErrorBodyMaxBytes);
    } else {
      error = result.request_sent ? result.error : "not sent: " + result.error;
    }
  }
  // The record views `key` and `error`: written in this one expression, while both live.
  const int64_t t_ns = timeline.write(workload_completion(
      to_record_outcome(outcome),
      {.op = op,
       .key = key,
       .attempt = payment.attempt,
       .status = result.ok() ? result.status : 0,
       .latency_ns = latency_ns,
       .error = outcome == AttemptOutcome::ok ? std::nullopt : std::optional<std::string_view>(error)}));
  in_flight.fetch_sub(1, std::memory_order_relaxed);
  note_completion(t_ns, outcome, latency_ns);
  if (outcome == AttemptOutcome::unknown && !stopped && payment.attempt <= spec.retries) {
    schedule_retry(payment);
  }
  if (stopped && in_flight.load(std::memory_order_relaxed) == 0) finish_drain();
}

void PaymentWorkload::Impl::schedule_retry(Payment payment) {
  ++payment.attempt;
  auto timer = std::make_shared<asio::steady_timer>(io, spec.retry_delay);
  const auto position = retry_timers.insert(retry_timers.end(), timer);
  timer->async_wait(
      [self = shared_from_this(), payment, position](boost::system::error_code ec) {
        self->retry_timers.erase(position);
        if (ec || self->stopped) return;
        self->send(payment);
      });
}

void PaymentWorkload::Impl::note_skipped(int64_t count) {
  skipped_unrecorded += count;
  const int64_t t_ns = timeline.now_ns();
  std::lock_guard lock(stats_mutex);
  totals.skipped += count;
  ring.push_back(RingEntry{t_ns, 0, count, AttemptOutcome::skipped});
  if (ring.size() > kWorkloadRingMaxEntries) ring.pop_front();
}

void PaymentWorkload::Impl::flush_skipped(bool force) {
  if (skipped_unrecorded == 0) return;
  const int64_t now_ns = timeline.now_ns();
  if (!force && skipped_recorded_at_ns >= 0 &&
      now_ns - skipped_recorded_at_ns < kSkippedRecordIntervalNs) {
    return;
  }
  timeline.write(WorkloadSkipped{.count = skipped_unrecorded, .in_flight_max = spec.in_flight_max, .next_n = next_n});
  skipped_recorded_at_ns = now_ns;
  skipped_unrecorded = 0;
}

void PaymentWorkload::Impl::note_completion(int64_t t_ns, AttemptOutcome outcome, int64_t latency_ns) {
  assert(outcome != AttemptOutcome::skipped);  // skips go through note_skipped()
  std::lock_guard lock(stats_mutex);
  switch (outcome) {
    case AttemptOutcome::ok:
      ++totals.ok;
      histogram.add(latency_ns);
      break;
    case AttemptOutcome::fail:
      ++totals.fail;
      break;
    case AttemptOutcome::unknown:
    case AttemptOutcome::skipped:
      ++totals.unknown;
      break;
  }
  ring.push_back(RingEntry{t_ns, latency_ns, 1, outcome});
  while (!ring.empty() &&
         (ring.size() > kWorkloadRingMaxEntries || ring.front().t_ns < t_ns - kWorkloadRingAgeMaxNs)) {
    ring.pop_front();
  }
}

void PaymentWorkload::Impl::stop(std::function<void()> drained) {
  if (drained) drain_callbacks.push_back(std::move(drained));
  if (!stopped) {
    stopped = true;
    schedule_timer.cancel();
    for (const auto& timer : retry_timers) timer->cancel();  // each handler erases its own entry
    flush_skipped(/*force=*/true);
  }
  if (in_flight.load(std::memory_order_relaxed) == 0) finish_drain();
}

void PaymentWorkload::Impl::finish_drain() {
  if (client) client->close();  // only idle keep-alive connections are left
  auto callbacks = std::move(drain_callbacks);
  drain_callbacks.clear();
  for (auto& callback : callbacks) asio::post(io, std::move(callback));
}

void PaymentWorkload::Impl::detach() {
  detached = true;
  stopped = true;
  drain_callbacks.clear();
  schedule_timer.cancel();
  for (const auto& timer : retry_timers) timer->cancel();
  if (client) client->close();
}

PaymentWorkload::PaymentWorkload(asio::io_context& io, const WorkloadSpec& spec,
                                 const PaymentContract& contract, uint64_t seed,
                                 Timeline& timeline)
    : impl_(std::make_shared<Impl>(io, spec, contract, seed, timeline)) {}

PaymentWorkload::~PaymentWorkload() {
  impl_->detach();
}

Status PaymentWorkload::start() {
  return impl_->start();
}

void PaymentWorkload::stop(std::function<void()> drained) {
  impl_->stop(std::move(drained));
}

PaymentWorkload::Stats PaymentWorkload::totals() const {
  std::lock_guard lock(impl_->stats_mutex);
  Stats stats = impl_->totals;
  stats.latency_p50_ms = impl_->histogram.percentile_ms(0.50);
  stats.latency_p99_ms = impl_->histogram.percentile_ms(0.99);
  return stats;
}

PaymentWorkload::Stats PaymentWorkload::window(int64_t window_ns) const {
  Stats stats;
  std::vector<int64_t> latencies;
  impl_->visit_recent(window_ns, [&](const Impl::RingEntry& entry) {
    switch (entry.outcome) {
      case AttemptOutcome::ok:
        ++stats.ok;
        latencies.push_back(entry.latency_ns);
        break;
      case AttemptOutcome::fail:
        ++stats.fail;
        break;
      case AttemptOutcome::unknown:
        ++stats.unknown;
        break;
      case AttemptOutcome::skipped:
        stats.skipped += entry.count;
        break;
    }
  });
  stats.latency_p50_ms = percentile_ms(latencies, 0.50);
  stats.latency_p99_ms = percentile_ms(latencies, 0.99);
  return stats;
}

std::vector<Completion> PaymentWorkload::completions(int64_t window_ns) const {
  std::vector<Completion> out;
  impl_->visit_recent(window_ns, [&](const Impl::RingEntry& entry) {
    if (entry.outcome == AttemptOutcome::skipped) return;
    const Outcome outcome = entry.outcome == AttemptOutcome::ok     ? Outcome::ok
                            : entry.outcome == AttemptOutcome::fail ? Outcome::fail
                                                                    : Outcome::unknown;
    out.push_back(Completion{entry.t_ns, outcome, entry.latency_ns});
  });
  std::reverse(out.begin(), out.end());  // oldest first
  return out;
}

int64_t PaymentWorkload::in_flight() const {
  return impl_->in_flight.load(std::memory_order_relaxed);
}

}  // namespace firedrill
