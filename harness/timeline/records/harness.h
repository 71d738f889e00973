// The controller's own records (source "harness"): the anchor, the lab and what it added to each
// node, the phases, the steady state once a second, preconditions, errors, stop conditions, the
// final reads, the abort and the end. Written by the runner (and the anchor by Timeline::create);
// read by scoring, the auditor's sections and the HTML report.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "timeline/record_codec.h"

namespace firedrill {

inline constexpr std::string_view kHarnessSource = "harness";

// The first record of every timeline: who ran which drill where, and the UTC instant its
// monotonic clock starts from (`utc` is filled in by Timeline::create).
struct HarnessStart {
  static constexpr std::string_view source = kHarnessSource, kind = "start";
  std::string scenario{};
  std::string scenario_digest{};
  uint64_t seed = 0;
  int64_t pid = 0;
  std::string tool{};
  std::string kernel{};
  std::string host{};
  std::string user{};
  int64_t uid = 0;
  bool user_namespace = false;
  std::string utc{};  // "2026-12-05T03:43:35.120322Z"
  static constexpr auto fields() {
    using R = HarnessStart;
    return std::tuple{field("scenario", &R::scenario), field("scenario_digest", &R::scenario_digest),
                      field("seed", &R::seed),         field("pid", &R::pid),
                      field("tool", &R::tool),         field("kernel", &R::kernel),
                      field("host", &R::host),         field("user", &R::user),
                      field("uid", &R::uid),           field("user_namespace", &R::user_namespace),
                      field("utc", &R::utc)};
  }
};

// The drill entered a phase (system_up, baseline, faults, heal, convergence, final_reads, lab_down).
struct HarnessPhase {
  static constexpr std::string_view source = kHarnessSource, kind = "phase";
  std::string phase{};
  static constexpr auto fields() { return std::tuple{field("phase", &HarnessPhase::phase)}; }
};

// A precondition did not hold (the system never became healthy within `within_ms`, the steady
// state did not hold in the baseline, a preflight check failed): the drill is inconclusive.
struct HarnessPreconditionFailed {
  static constexpr std::string_view source = kHarnessSource, kind = "precondition_failed";
  std::string what{};
  std::optional<int64_t> within_ms{};
  static constexpr auto fields() {
    using R = HarnessPreconditionFailed;
    return std::tuple{field("what", &R::what), field("within_ms", &R::within_ms)};
  }
};

// The harness itself failed at `where`.
struct HarnessError {
  static constexpr std::string_view source = kHarnessSource, kind = "error";
  std::string where{};
  std::string error{};
  static constexpr auto fields() {
    using R = HarnessError;
    return std::tuple{field("where", &R::where), field("error", &R::error)};
  }
};

// The lab is up: the controller's address, every node's address (in the lab's order) and the
// URL alerts are posted to.
struct HarnessLab {
  static constexpr std::string_view source = kHarnessSource, kind = "lab";
  std::string controller_address{};
  StringPairs nodes{};  // node → address
  std::string alert_url{};
  static constexpr auto fields() {
    using R = HarnessLab;
    return std::tuple{field("controller_address", &R::controller_address), field("nodes", &R::nodes),
                      field("alert_url", &R::alert_url)};
  }
};

// A node's volume, as node_setup gives it.
struct NodeVolume {
  std::string kind{};  // "tmpfs"
  int64_t bytes = 0;
  std::string path{};
  static constexpr auto fields() {
    using R = NodeVolume;
    return std::tuple{field("kind", &R::kind), field("bytes", &R::bytes), field("path", &R::path)};
  }
};

// What the lab added to one node: the environment it set, the clock shim (preloaded only where
// a clock fault can land), the volume, the namespace, the working directory.
struct HarnessNodeSetup {
  static constexpr std::string_view source = kHarnessSource, kind = "node_setup";
  std::string node{};
  bool clock_shim = false;
  std::optional<std::string> preload{};  // the shim's path, null without it
  StringPairs environment_added{};       // sorted by name
  std::vector<std::string> definition_environment{};  // the names the node's definition sets
  NodeVolume volume{};
  bool network_namespace = false;
  std::string working_dir{};
  // The drill's Prometheus scrapes this URL of the node every scrape_interval_ms; absent when not.
  std::optional<std::string> scraped_url{};
  std::optional<int64_t> scrape_interval_ms{};
  static constexpr auto fields() {
    using R = HarnessNodeSetup;
    return std::tuple{field("node", &R::node),
                      field("clock_shim", &R::clock_shim),
                      nullable_field("preload", &R::preload),
                      field("environment_added", &R::environment_added),
                      field("definition_environment", &R::definition_environment),
                      field("volume", &R::volume),
                      field("network_namespace", &R::network_namespace),
                      field("working_dir", &R::working_dir),
                      field("scraped_url", &R::scraped_url),
                      field("scrape_interval_ms", &R::scrape_interval_ms)};
  }
};

// One final read of a node (export or balances) into exports/: bytes, lines and SHA-256 when it
// worked, the error when it did not.
struct HarnessFinalRead {
  static constexpr std::string_view source = kHarnessSource, kind = "final_read";
  std::string node{};
  bool ok = false;
  std::string path{};  // "exports/<node>.ndjson"
  std::optional<int64_t> bytes{};
  std::optional<int64_t> records{};
  std::optional<std::string> sha256{};
  std::optional<std::string> error{};
  static constexpr auto fields() {
    using R = HarnessFinalRead;
    return std::tuple{field("node", &R::node),       field("ok", &R::ok),           field("path", &R::path),
                      field("bytes", &R::bytes),     field("records", &R::records), field("sha256", &R::sha256),
                      field("error", &R::error)};
  }
};

// The drill is being aborted (a signal, a stop condition): every fault is reverted next.
struct HarnessAbort {
  static constexpr std::string_view source = kHarnessSource, kind = "abort";
  std::string reason{};
  static constexpr auto fields() { return std::tuple{field("reason", &HarnessAbort::reason)}; }
};

// The last record: how the drill ended and its totals.
struct HarnessEnd {
  static constexpr std::string_view source = kHarnessSource, kind = "end";
  std::string end{};  // completed, inconclusive, aborted, error
  int64_t payments_ok = 0;
  int64_t payments_fail = 0;
  int64_t payments_unknown = 0;
  int64_t payments_skipped = 0;
  int64_t faults_applied = 0;
  int64_t faults_reverted = 0;
  int64_t unexpected_exits = 0;
  int64_t alerts_firing = 0;
  int64_t harness_errors = 0;
  static constexpr auto fields() {
    using R = HarnessEnd;
    return std::tuple{field("end", &R::end),
                      field("payments_ok", &R::payments_ok),
                      field("payments_fail", &R::payments_fail),
                      field("payments_unknown", &R::payments_unknown),
                      field("payments_skipped", &R::payments_skipped),
                      field("faults_applied", &R::faults_applied),
                      field("faults_reverted", &R::faults_reverted),
                      field("unexpected_exits", &R::unexpected_exits),
                      field("alerts_firing", &R::alerts_firing),
                      field("harness_errors", &R::harness_errors)};
  }
};

// Once a second: the workload's last second and whether the steady state holds (for people and
// the live view; scoring judges the steady state again from the workload's own records).
struct HarnessSteadyState {
  static constexpr std::string_view source = kHarnessSource, kind = "steady_state";
  bool steady = false;
  int64_t ok = 0;
  int64_t fail = 0;
  int64_t unknown = 0;
  double p99_ms = 0;
  static constexpr auto fields() {
    using R = HarnessSteadyState;
    return std::tuple{field("steady", &R::steady), field("ok", &R::ok), field("fail", &R::fail),
                      field("unknown", &R::unknown), field("p99_ms", &R::p99_ms)};
  }
};

// A stop condition ([stop]) tripped: `threshold` and `observed` are a share for error_ratio
// (doubles), milliseconds for no_progress (integers), kept as written.
struct HarnessStopCondition {
  static constexpr std::string_view source = kHarnessSource, kind = "stop_condition";
  std::string guard{};  // error_ratio, no_progress
  boost::json::value threshold{};
  boost::json::value observed{};
  int64_t since_ns = 0;  // when the condition began
  int64_t for_ms = 0;
  std::string reason{};
  static constexpr auto fields() {
    using R = HarnessStopCondition;
    return std::tuple{field("guard", &R::guard),       field("threshold", &R::threshold),
                      field("observed", &R::observed), field("since_ns", &R::since_ns),
                      field("for_ms", &R::for_ms),     field("reason", &R::reason)};
  }
};

}  // namespace firedrill
