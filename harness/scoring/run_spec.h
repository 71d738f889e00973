// What scoring needs of run.json, read once into types: the objectives, the steady state, the
// detection, the payments contract and the nodes. A key run.json lacks reads as the scenario's
// own default (harness/scenario/scenario.h), never as a number restated here.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/steady_state.h"
#include "scoring/report_time.h"

namespace firedrill {

// The payments contract: which export fields hold a transfer, and the accounts it starts with.
struct ContractFields {
  std::string key, from, to, amount;
  std::string account_pattern;
  int64_t initial_balance = 0;
  int64_t accounts = 0;
};

struct ObjectiveTargets {
  std::optional<int64_t> detect_within_ms, recover_within_ms, mtbf_ms, restore_within_ms,
      rpo_within_ms;
  int64_t lost_payments_max = 0, duplicated_payments_max = 0;  // absent: none allowed
  std::optional<boost::json::value> availability_min;          // as run.json gives it (a number)
};

struct SteadyStateSettings {
  SteadyStateThresholds thresholds;
  int64_t window_ns = 0, hold_ns = 0;
  int64_t window_ms = 0, probe_interval_ms = 0;  // as report.json names the uncertainty
};

struct RunSpec {
  ObjectiveTargets objectives;
  SteadyStateSettings steady_state;
  std::set<std::string> detection_alerts, detection_patterns;
  // Detection through the drill's Prometheus with no alert named: every alert counts.
  bool detection_any_alert = false;
  bool counts_for_detection(const std::string& alert) const {
    return detection_any_alert || detection_alerts.count(alert) > 0;
  }
  int64_t probe_failures = 0;  // harness-side detection: this many failed probes in a row
  ContractFields contract;
  std::vector<std::string> nodes;  // run.json's nodes, by name
};

// Reads `run`. Throws (boost::system::system_error) on an alert or node entry of the wrong type,
// which score() reports as a checker error.
RunSpec read_run_spec(const boost::json::object& run);

// run.json's "steady_state" section alone (never throws).
SteadyStateSettings read_steady_state(const boost::json::object& steady_state);

// What makes run.json unusable for a verdict: an unknown schema, a section missing or of another
// type (it would read as its defaults — "objectives": 5 as no objectives — and could let a drill
// pass). Each as the failure report.json lists.
std::vector<std::string> run_json_problems(const boost::json::object& run);

}  // namespace firedrill
