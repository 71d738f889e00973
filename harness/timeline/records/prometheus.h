// What the drill's own Prometheus saw (source "prometheus"), when a scenario detects through it
// (harness/monitoring/): how it was set up, the alert rules it loaded, and each alert's episode
// with the stages of its detection. Written by the runner: the set-up when the monitoring's
// nodes start, the rest read from Prometheus's API after the final reads. Read by scoring
// (detection stages, alert coverage) and the reports.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "timeline/record_codec.h"

namespace firedrill {

inline constexpr std::string_view kPrometheusSource = "prometheus";

// The monitoring as configured: what a detection's budget is made of.
struct PrometheusSetup {
  static constexpr std::string_view source = kPrometheusSource, kind = "setup";
  int64_t scrape_interval_ms = 0;
  int64_t evaluation_interval_ms = 0;
  int64_t group_wait_ms = 0;
  int64_t group_interval_ms = 0;
  std::vector<std::string> rule_files{};  // as the run directory holds them
  std::vector<std::string> scraped{};      // the nodes scraped
  static constexpr auto fields() {
    using R = PrometheusSetup;
    return std::tuple{field("scrape_interval_ms", &R::scrape_interval_ms),
                      field("evaluation_interval_ms", &R::evaluation_interval_ms),
                      field("group_wait_ms", &R::group_wait_ms), field("group_interval_ms", &R::group_interval_ms),
                      field("rule_files", &R::rule_files), field("scraped", &R::scraped)};
  }
};

// An alerting rule Prometheus had loaded.
struct PrometheusRule {
  static constexpr std::string_view source = kPrometheusSource, kind = "rule";
  std::string name{};
  std::string expr{};
  int64_t for_ms = 0;
  std::string file{};
  std::string group{};
  std::string health{};      // "ok", "err", "unknown"
  std::string last_error{};  // why the rule could not be evaluated, when it could not
  // The labels the rule adds (two rules of one name, a warning and a critical one, differ here).
  boost::json::object labels{};
  static constexpr auto fields() {
    using R = PrometheusRule;
    return std::tuple{field("name", &R::name),   field("expr", &R::expr),     field("for_ms", &R::for_ms),
                      field("file", &R::file),   field("group", &R::group),   field("health", &R::health),
                      field("last_error", &R::last_error), field("labels", &R::labels)};
  }
};

// One alert (a label set of a rule) from the evaluation at which it turned pending until it went
// inactive, with its stages on the controller's clock (ns, as t_ns): the first scrape at which
// the rule's expression held, pending, firing (none when it never outlasted `for`), ended.
// Prometheus keeps wall-clock times; they are mapped with the offset measured at the read.
struct PrometheusAlertEpisode {
  static constexpr std::string_view source = kPrometheusSource, kind = "alert_episode";
  std::string alertname{};
  boost::json::object labels{};  // the alert's labels (the rule's and the series'), alertname included
  std::optional<int64_t> symptom_ns{};
  int64_t pending_ns = 0;
  std::optional<int64_t> firing_ns{};
  std::optional<int64_t> ended_ns{};
  static constexpr auto fields() {
    using R = PrometheusAlertEpisode;
    return std::tuple{field("alertname", &R::alertname), field("labels", &R::labels),
                      field("symptom_ns", &R::symptom_ns), field("pending_ns", &R::pending_ns),
                      field("firing_ns", &R::firing_ns), field("ended_ns", &R::ended_ns)};
  }
};

// A read of Prometheus's API that failed: the stages it would have given are unknown.
struct PrometheusReadFailed {
  static constexpr std::string_view source = kPrometheusSource, kind = "read_failed";
  std::string what{};
  std::string error{};
  static constexpr auto fields() {
    using R = PrometheusReadFailed;
    return std::tuple{field("what", &R::what), field("error", &R::error)};
  }
};

}  // namespace firedrill
