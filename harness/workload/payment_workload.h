// Stage ③ (run): the payments workload of a drill. It drives the system's payment API at a fixed
// rate, open loop (as wrk2 and Jepsen do, so a slow system cannot slow the schedule down and hide
// its latency — no coordinated omission), and records every attempt on the timeline as an
// `invoke` followed by exactly one completion: `ok`, `fail` (certainly not applied) or `unknown`
// (may have been applied; reconciliation decides). Unknown outcomes are retried with the same
// idempotency key, as a careful payment client would. The runner starts it for the fault phase;
// the steady-state checker and the progress display read its Stats.
//
// Classification: a status in the contract's success_statuses is `ok`, in failure_statuses
// `fail`; any other status, a timeout or a broken connection once the request may have been
// sent is `unknown`; a request that certainly never left (HttpResult::request_sent false:
// connect refused or timed out, client queue full) is `fail`.
//
// The request body uses the field names of the system's PaymentContract, so any team's payment
// API of the shape {key, from, to, amount[, timestamp]} can be driven.
//
// Threading: construct, start(), stop() and destroy on the io_context's thread; totals(),
// window() and in_flight() may be called from any thread. Asio, Beast and Boost.JSON stay in
// the .cc file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/steady_state.h"
#include "scenario/scenario.h"

namespace boost::asio {
class io_context;
}

namespace firedrill {

class Timeline;

// Where the payment API listens, parsed from the rendered PaymentContract::base_url.
struct WorkloadTarget {
  std::string host;       // an IP address or a name
  uint16_t port = 0;
  std::string base_path;  // the path part of base_url without a trailing '/', e.g. "" or "/api"
};

// Parses "http://host:port[/path]" (plain HTTP only; the error names the text).
Result<WorkloadTarget> parse_workload_target(const std::string& base_url);

// The payments workload: one per drill, against one payment API endpoint.
class PaymentWorkload {
 public:
  // Outcome counts and latencies. `skipped` counts due payments not started because
  // in_flight() had reached WorkloadSpec::in_flight_max. Latencies are of `ok` completions only
  // (0 when there are none), percentiles as core/percentile.h defines them.
  struct Stats {
    int64_t ok = 0;
    int64_t fail = 0;
    int64_t unknown = 0;
    int64_t skipped = 0;
    double latency_p50_ms = 0;
    double latency_p99_ms = 0;
  };

  // `contract.base_url` is already rendered (e.g. "http://198.18.0.6:8080"); account i is
  // `contract.account_pattern` with every "{i}" replaced by i, i in [1, spec.accounts].
  // Payment n (from 0) is a pure function of (seed, n): the same seed gives the same keys,
  // accounts and amounts. `io` and `timeline` must outlive this object. Nothing runs before
  // start().
  PaymentWorkload(boost::asio::io_context& io, const WorkloadSpec& spec,
                  const PaymentContract& contract, uint64_t seed, Timeline& timeline);
  // Stops at once without waiting: requests still in flight get no completion record, so call
  // stop() and wait for `drained` first when the timeline matters.
  ~PaymentWorkload();
  PaymentWorkload(const PaymentWorkload&) = delete;
  PaymentWorkload& operator=(const PaymentWorkload&) = delete;

  // Validates the spec and target and begins the open-loop schedule: payment n is due at
  // start + n / rate_per_s. Call at most once.
  Status start();
  // Starts no new payment and no new retry; `drained` runs (on the io_context, once) when
  // every request in flight has completed — each has a deadline of spec.timeout, so that is
  // soon. Safe to call before start() or more than once (each callback runs once).
  void stop(std::function<void()> drained);

  // Counts since start(); latency percentiles over every ok completion (±1.5% binning).
  Stats totals() const;
  // Completions (and skips) whose time is within the last `window_ns` of the timeline clock, for
  // the steady-state check and progress; exact latency percentiles. Remembers the last
  // ~60 s only (limits in the .cc file).
  Stats window(int64_t window_ns) const;
  // The completions (ok, fail, unknown; not skips) of the same window, oldest first: the input of
  // the one steady-state judgement (core/steady_state.h) the baseline gate uses.
  std::vector<Completion> completions(int64_t window_ns) const;
  // Requests sent and not yet completed. New payments are started only below
  // spec.in_flight_max; retries are exempt (they continue admitted payments), so it may exceed
  // the cap briefly when many unknown outcomes are retried at once.
  int64_t in_flight() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace firedrill
