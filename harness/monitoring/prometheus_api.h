// Prometheus's HTTP API answers (https://prometheus.io/docs/prometheus/latest/querying/api/) →
// the drill's records: the alerting rules, the alert episodes in the ALERTS series Prometheus
// writes at each rule evaluation, and the first instant a rule's expression held. Pure: tested
// and fuzzed without a Prometheus (the reads themselves are prometheus_reads.h).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "timeline/records/prometheus.h"

namespace firedrill {

// The alerting rules of a GET /api/v1/rules answer (recording rules are left out).
Result<std::vector<PrometheusRule>> parse_alerting_rules(std::string_view body);

// The series names the recording rules of a GET /api/v1/rules answer write: present for the
// alerting rules that read them, whether or not they have been evaluated yet.
std::set<std::string> recording_rule_names(std::string_view body);

// The values of a GET /api/v1/label/NAME/values answer (for __name__: every metric scraped);
// none when the answer is not a success.
std::set<std::string> label_values(std::string_view body);

// Of `rules`, the one an alert of `alertname` with `labels` came from: its name, and every label
// the rule adds among the alert's (a warning and a critical rule of one name told apart); null
// when none.
const PrometheusRule* rule_of_alert(const std::vector<PrometheusRule>& rules, const std::string& alertname,
                                    const boost::json::object& labels);

// One alert's episode in Prometheus's own clock (Unix seconds).
struct AlertEpisodeTimes {
  std::string alertname;
  boost::json::object labels;  // alertname and every label but __name__ and alertstate
  double pending = 0;          // the first evaluation of the episode (pending, or firing with `for` 0)
  std::optional<double> firing;
  std::optional<double> ended;  // the evaluation after the last one that had it; none: still active
};

// The episodes in the answer to an instant query of `ALERTS[RANGE]` (a matrix of every sample):
// an alert's samples more than `gap_s` apart are two episodes; an episode whose last sample is
// older than `now_s - gap_s` has ended `evaluation_s` after it.
Result<std::vector<AlertEpisodeTimes>> parse_alert_episodes(std::string_view body, double gap_s, double evaluation_s,
                                                            double now_s);

// In the answer to a range query of a rule's expression, the start of the run of consecutive
// points (`step_s` apart) that reaches `until` for the series whose labels all appear in
// `alert_labels`: the first instant the expression held before the alert turned pending. None
// when no such series has a point at or before `until`.
Result<std::optional<double>> parse_symptom_start(std::string_view body, const boost::json::object& alert_labels,
                                                  double step_s, double until);

// From a GET /api/v1/targets answer: the active targets not yet scraped successfully, as
// "node (health: last error)" joined by "; ", "no target yet" when there is none; "" when all are up.
Result<std::string> targets_not_up(std::string_view body);

// `text` percent-encoded for a URL's query string.
std::string url_encoded(std::string_view text);

}  // namespace firedrill
