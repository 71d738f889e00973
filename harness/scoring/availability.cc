// Availability; see availability.h.
#include "scoring/availability.h"

#include <algorithm>
#include <boost/json.hpp>

#include "scoring/report_time.h"

namespace json = boost::json;

namespace firedrill {
namespace {

// Whether `node` kept serving: no unexpected exit, no run of `probe_failures` failed probes.
bool survived(const TimelineIndex& t, const std::string& node, int64_t probe_failures) {
  if (std::count(t.unexpected_exits.begin(), t.unexpected_exits.end(), node) > 0) return false;
  auto it = t.probes.find(node);
  if (it == t.probes.end()) return true;
  int64_t run = 0;
  for (const auto& [at, good] : it->second) {
    run = good ? 0 : run + 1;
    if (run >= probe_failures) return false;
  }
  return true;
}

void add_projection(const RunSpec& spec, const std::vector<int64_t>& recoveries,
                    json::object& out) {
  const std::optional<int64_t>& mtbf = spec.objectives.mtbf_ms;
  if (!mtbf || recoveries.empty()) return;
  double mttr_ms = 0;
  for (int64_t r : recoveries) mttr_ms += static_cast<double>(r) / kNsPerMs;
  mttr_ms /= static_cast<double>(recoveries.size());
  out["mttr_ms"] = mttr_ms;
  out["projected_availability"] =
      static_cast<double>(*mtbf) / (static_cast<double>(*mtbf) + mttr_ms);
}

}  // namespace

Availability measure_availability(const RunSpec& spec, const TimelineIndex& t,
                                  const std::vector<int64_t>& recoveries) {
  int64_t ok = 0;
  const auto total = static_cast<int64_t>(t.completions.size());
  for (const auto& c : t.completions) ok += c.outcome == Outcome::ok ? 1 : 0;
  Availability a;
  a.success_ratio = total ? static_cast<double>(ok) / static_cast<double>(total) : 0;
  const double slo = spec.steady_state.thresholds.success_ratio_min;
  a.section = json::object{{"success_ratio", a.success_ratio},
                           {"attempts", total},
                           {"ok", ok},
                           {"slo", slo},
                           {"error_budget_consumed",
                            slo < 1 ? (1 - a.success_ratio) / (1 - slo) : json::value(nullptr)}};
  add_projection(spec, recoveries, a.section);
  int64_t survivors = 0;
  for (const std::string& node : spec.nodes)
    survivors += survived(t, node, spec.probe_failures) ? 1 : 0;
  const auto nodes = static_cast<int64_t>(spec.nodes.size());
  a.section["fault_tolerance"] =
      nodes ? static_cast<double>(survivors) / static_cast<double>(nodes) : 0.0;
  a.section["nodes_survived"] = survivors;
  a.section["nodes"] = nodes;
  return a;
}

}  // namespace firedrill
