// Stage two of scoring: the timeline indexed for the measures — every idempotency key with what
// the workload meant and was told, the completions by time, each fault's instants, alerts, log
// matches, probes, phases, and what the harness itself recorded (errors, abort, stop, end).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/steady_state.h"
#include "scoring/report_time.h"
#include "scoring/run_data.h"
#include "scoring/string_table.h"

namespace firedrill {

// One idempotency key: the payment the workload meant, and what it was told. Kept in a vector
// indexed by the key's id in Names (32 bytes per string; `seen` tells the keys apart).
struct KeyState {
  uint32_t from = 0, to = 0;  // Names ids
  int64_t amount = 0;
  int64_t first_ack_ns = 0;  // the first ok completion (when ok)
  bool seen = false;         // a workload record named this key
  bool invoked = false, ok = false, unknown = false, fail = false;
};

struct FaultTimes {
  int index = 0;
  std::string kind, target, node;
  std::optional<int64_t> start_ns, scheduled_ns, t0_ns, reverted_ns;
  bool failed_to_apply = false;
  boost::json::object power_cut;  // a power.loss's apply evidence (what each volume lost); else empty
};

struct AlertEvent {
  int64_t t_ns;
  bool firing;
  std::string name;
  std::string identity;         // alertname + labels, comparable (alert_identity)
  boost::json::object labels;  // as posted
};

// One alert's episode in the drill's Prometheus (PrometheusAlertEpisode), with its identity as
// AlertEvent's, so that a notification finds the episode it came from.
struct AlertEpisode {
  std::string alertname;
  std::string identity;
  std::optional<int64_t> symptom_ns;
  int64_t pending_ns = 0;
  std::optional<int64_t> firing_ns, ended_ns;
};

// An alerting rule the drill's Prometheus had loaded.
struct AlertRule {
  std::string name, file;
  int64_t for_ms = 0;
  boost::json::object labels;  // the labels the rule adds
};

// The drill's Prometheus as configured: the fixed parts of a detection's budget.
struct MonitoringBudget {
  int64_t scrape_interval_ms = 0, evaluation_interval_ms = 0, group_wait_ms = 0;
};

// An alert's labels as one comparable string: the labels sorted by name, as JSON.
std::string alert_identity(const boost::json::object& labels);

struct TimelineIndex {
  explicit TimelineIndex(const StringTable& strings) : names(strings) {}
  Names names;                      // the keys' and accounts' ids
  std::vector<KeyState> keys;       // Names id → its key's state
  std::vector<uint32_t> key_order;  // keys in first invoke order, for stable id lists

  // The state of the key of id `id` (a Names id), recorded as seen.
  KeyState& key(uint32_t id);
  // The id of a key the timeline mentions, or -1.
  int64_t find(std::string_view k) const { return seen(names.find(k)); }
  // The same, trying `guess` first (exports list payments about in the order they were made).
  int64_t find(std::string_view k, int64_t guess) const;

  std::vector<Completion> completions;  // by time
  std::map<int, FaultTimes> faults;
  std::vector<AlertEvent> alerts;
  // The drill's own Prometheus, when the scenario detects through it.
  std::optional<MonitoringBudget> monitoring;
  std::vector<AlertRule> alert_rules;  // in the order Prometheus listed them
  std::vector<AlertEpisode> alert_episodes;
  std::vector<std::pair<int64_t, std::string>> log_matches;  // t, pattern
  std::map<std::string, std::vector<std::pair<int64_t, bool>>> probes;
  std::map<std::string, int64_t> phases;
  std::vector<std::string> preconditions_failed, harness_errors, unexpected_exits;
  std::set<std::string> final_reads_ok;
  std::vector<const boost::json::object*> restore_ends;  // action end records of purpose "restore"
  std::optional<std::string> abort_reason;
  std::optional<boost::json::object>
      stop_condition;  // the guard that tripped, as report.json gives it
  bool ended = false;
  int64_t workload_end_ns = 0;

 private:
  int64_t seen(int64_t id) const;
};

// The index of `data`'s timeline. Throws std::out_of_range when a workload record names a string
// its table does not hold (a RunData built by hand). Keeps pointers into data.timeline.
TimelineIndex index_timeline(const RunData& data);

}  // namespace firedrill
