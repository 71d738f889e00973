// Where a fault's detection time went, when an alert of the drill's own Prometheus detected it
// (DESIGN.md §2b): the first scrape at which the rule's expression held, the rule pending, the
// rule firing, the notification at firedrill's receiver; beside the configured budget, scrape
// interval + evaluation interval + the rule's `for` + Alertmanager's group_wait. From the
// notification's episode in Prometheus's records (same labels, pending no later than it).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "scoring/timeline_index.h"

namespace firedrill {

struct DetectionStages {
  std::string alert;
  std::optional<int64_t> symptom_ns;
  int64_t pending_ns = 0;
  std::optional<int64_t> firing_ns;
  int64_t notified_ns = 0;
  int64_t for_ms = 0;
  std::optional<int64_t> budget_ms;  // none without the drill's Prometheus set-up
};

// The stages of the detection by `notification`; none when no episode of Prometheus's led to it
// (an alert posted by the system itself, or Prometheus could not be read).
std::optional<DetectionStages> detection_stages(const TimelineIndex& t, const AlertEvent& notification);

// report.json's "detection_stages" of a fault with T0 `t0_ns`: each stage in ms from T0, the
// spans between them, and the budget; null without stages.
boost::json::value detection_stages_json(const std::optional<DetectionStages>& stages, int64_t t0_ns);

// The rule an alert came from: its name, and every label the rule adds among the alert's
// among the alert's; null when Prometheus listed none such.
const AlertRule* rule_of(const TimelineIndex& t, const AlertEvent& alert);

// The budget of a rule whose `for` is `for_ms`, under the drill's Prometheus set-up.
int64_t detection_budget_ms(const MonitoringBudget& budget, int64_t for_ms);

}  // namespace firedrill
