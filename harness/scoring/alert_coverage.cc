// Alert coverage; see alert_coverage.h.
#include "scoring/alert_coverage.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "scoring/detection_stages.h"
#include "scoring/report_time.h"

namespace json = boost::json;

namespace firedrill {
namespace {

constexpr int64_t kArrivalSlackNs = 1'000'000'000;

// How long after a fault's effect an alert may still be its doing.
int64_t arrival_ns(const TimelineIndex& t, const AlertEvent& alert) {
  const AlertRule* rule = rule_of(t, alert);
  const int64_t for_ms = rule ? rule->for_ms : 0;
  const int64_t budget_ms = t.monitoring ? detection_budget_ms(*t.monitoring, for_ms) : for_ms;
  return budget_ms * 1'000'000 + kArrivalSlackNs;
}

struct Window {
  const FaultMeasure* fault;
  int64_t start_ns, effect_end_ns;
};

std::vector<Window> windows(const TimelineIndex& t, const FaultMeasures& m) {
  std::vector<Window> out;
  for (const FaultMeasure& f : m.measured) {
    const FaultTimes& times = t.faults.at(f.index);
    const int64_t start = times.start_ns.value_or(f.t0_ns);
    const int64_t end = std::max({f.t0_ns, f.reverted_ns.value_or(f.t0_ns), f.recover_ns.value_or(f.t0_ns)});
    out.push_back(Window{&f, start, end});
  }
  return out;
}

}  // namespace

json::value alert_coverage_json(const TimelineIndex& t, const FaultMeasures& m) {
  const bool any_firing =
      std::any_of(t.alerts.begin(), t.alerts.end(), [](const AlertEvent& a) { return a.firing; });
  if (!any_firing && t.alert_rules.empty()) return nullptr;
  const std::vector<Window> faults = windows(t, m);
  int64_t first_start = INT64_MAX;
  for (const Window& w : faults) first_start = std::min(first_start, w.start_ns);
  // fault index → alert → first firing notification in its window
  std::map<int, std::map<std::string, int64_t>> caught;
  std::set<std::string> names;
  json::array noise;
  for (const AlertEvent& a : t.alerts) {
    if (!a.firing) continue;
    names.insert(a.name);
    bool attributed = false;
    for (const Window& w : faults) {
      if (a.t_ns < w.start_ns || a.t_ns > w.effect_end_ns + arrival_ns(t, a)) continue;
      caught[w.fault->index].try_emplace(a.name, a.t_ns);
      attributed = true;
    }
    if (!attributed) {
      noise.push_back(json::object{{"alert", a.name},
                                   {"at_ms", ms(a.t_ns)},
                                   {"labels", a.labels},
                                   {"when", a.t_ns < first_start ? "baseline" : "no fault active"}});
    }
  }
  json::array rules;
  std::set<std::string> listed;
  auto add_rule = [&](const std::string& name, const std::string& file, std::optional<int64_t> for_ms) {
    if (!listed.insert(name).second) return;
    json::array fired_for;
    for (const auto& [index, alerts] : caught) {
      if (alerts.count(name)) fired_for.push_back(index);
    }
    rules.push_back(json::object{{"alert", name},
                                 {"file", file},
                                 {"for_ms", for_ms ? json::value(*for_ms) : json::value(nullptr)},
                                 {"fired_for", std::move(fired_for)}});
  };
  for (const AlertRule& rule : t.alert_rules) add_rule(rule.name, rule.file, rule.for_ms);
  for (const std::string& name : names) add_rule(name, "", std::nullopt);  // posted by the system itself
  json::array per_fault, uncaught;
  for (const Window& w : faults) {
    json::array alerts;
    for (const auto& [name, at] : caught[w.fault->index]) {
      alerts.push_back(json::object{{"alert", name}, {"after_t0_ms", ms(at - w.fault->t0_ns)}});
    }
    if (alerts.empty()) uncaught.push_back(w.fault->index);
    per_fault.push_back(json::object{{"index", w.fault->index},
                                     {"kind", w.fault->kind},
                                     {"node", w.fault->node},
                                     {"alerts", std::move(alerts)}});
  }
  return json::object{{"rules", std::move(rules)},
                      {"faults", std::move(per_fault)},
                      {"uncaught", std::move(uncaught)},
                      {"noise", std::move(noise)}};
}

}  // namespace firedrill
