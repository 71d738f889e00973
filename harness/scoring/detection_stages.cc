// Detection stages; see detection_stages.h.
#include "scoring/detection_stages.h"

#include <boost/json.hpp>

#include "core/json_read.h"
#include "scoring/report_time.h"

namespace json = boost::json;

namespace firedrill {

const AlertRule* rule_of(const TimelineIndex& t, const AlertEvent& alert) {
  for (const AlertRule& rule : t.alert_rules) {
    if (rule.name == alert.name && json_read::includes(alert.labels, rule.labels)) return &rule;
  }
  return nullptr;
}

int64_t detection_budget_ms(const MonitoringBudget& budget, int64_t for_ms) {
  return budget.scrape_interval_ms + budget.evaluation_interval_ms + for_ms + budget.group_wait_ms;
}

std::optional<DetectionStages> detection_stages(const TimelineIndex& t, const AlertEvent& notification) {
  const AlertEpisode* episode = nullptr;
  for (const AlertEpisode& e : t.alert_episodes) {
    if (e.identity == notification.identity && e.pending_ns <= notification.t_ns &&
        (!episode || e.pending_ns > episode->pending_ns)) {
      episode = &e;
    }
  }
  if (!episode) return std::nullopt;
  DetectionStages stages{.alert = notification.name,
                         .symptom_ns = episode->symptom_ns,
                         .pending_ns = episode->pending_ns,
                         .firing_ns = episode->firing_ns,
                         .notified_ns = notification.t_ns,
                         .for_ms = 0,
                         .budget_ms = std::nullopt};
  if (const AlertRule* rule = rule_of(t, notification)) stages.for_ms = rule->for_ms;
  if (t.monitoring) stages.budget_ms = detection_budget_ms(*t.monitoring, stages.for_ms);
  return stages;
}

json::value detection_stages_json(const std::optional<DetectionStages>& stages, int64_t t0_ns) {
  if (!stages) return nullptr;
  const std::optional<int64_t> t0 = t0_ns, pending = stages->pending_ns, notified = stages->notified_ns;
  return json::object{
      {"alert", stages->alert},
      {"symptom_ms", difference_ms(stages->symptom_ns, t0)},
      {"pending_ms", difference_ms(pending, t0)},
      {"firing_ms", difference_ms(stages->firing_ns, t0)},
      {"notified_ms", difference_ms(notified, t0)},
      {"for_ms", stages->for_ms},
      {"budget_ms", stages->budget_ms ? json::value(*stages->budget_ms) : json::value(nullptr)},
      // Where the time went: to the scrape that saw it, to the evaluation that saw the scrape,
      // the rule's `for`, and Alertmanager (group_wait and delivery).
      {"spans_ms", json::object{{"to_scrape", difference_ms(stages->symptom_ns, t0)},
                                {"to_evaluation", difference_ms(pending, stages->symptom_ns)},
                                {"for", difference_ms(stages->firing_ns, pending)},
                                {"to_notification", difference_ms(notified, stages->firing_ns)}}}};
}

}  // namespace firedrill
