// Per-fault measures; see fault_measures.h.
#include "scoring/fault_measures.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "scoring/detection_stages.h"
#include "scoring/report_time.h"

namespace json = boost::json;

namespace firedrill {
namespace {

std::string fault_label(int index) {
  return "fault[" + std::to_string(index) + "]";
}

// Detection alerts already firing when the fault step started make the detection meaningless.
// The step's start, not T0: a fault acts before its verification completes (a clock page is read
// by the node within microseconds, a witness takes milliseconds), so a fast system can alert
// between the two, and that alert is the fault's doing.
void note_alerts_already_firing(const RunSpec& spec, const TimelineIndex& t, int index,
                                int64_t start, std::vector<std::string>& inconclusive) {
  std::map<std::string, bool> firing;
  for (const auto& a : t.alerts) {
    if (a.t_ns >= start) break;
    if (spec.counts_for_detection(a.name)) firing[a.identity] = a.firing;
  }
  for (const auto& [identity, on] : firing) {
    if (on) {
      inconclusive.push_back(
          fault_label(index) +
          ": detection alert already firing before the fault was applied: " + identity);
    }
  }
}

// T_impact: the first failed, unknown or too slow completion, or failed probe, after `start`.
std::optional<int64_t> impact_of(const RunSpec& spec, const TimelineIndex& t, int64_t start) {
  std::optional<int64_t> impact;
  const std::optional<int64_t>& latency_max = spec.steady_state.thresholds.latency_p99_max_ns;
  for (const auto& c : t.completions) {
    if (c.t_ns < start) continue;
    const bool slow = latency_max && c.outcome == Outcome::ok && c.latency_ns > *latency_max;
    if (c.outcome != Outcome::ok || slow) {
      impact = c.t_ns;
      break;
    }
  }
  for (const auto& [node, results] : t.probes) {
    for (const auto& [at, ok] : results) {
      if (at >= start && !ok) {
        impact = std::min(impact.value_or(at), at);
        break;
      }
    }
  }
  return impact;
}

// T_detect: the first detection signal after the step started, no earlier than T0 (one seen
// while the apply was still verifying is detection in 0 ms).
void detect(const RunSpec& spec, const TimelineIndex& t, int64_t start, FaultMeasure& m) {
  for (const auto& a : t.alerts) {
    if (a.t_ns >= start && a.firing && spec.counts_for_detection(a.name)) {
      m.detect_ns = std::max(a.t_ns, m.t0_ns);
      m.detected_by = "alert " + a.name;
      m.detecting_alert = &a;
      break;
    }
  }
  for (const auto& [at, pattern] : t.log_matches) {
    if (at >= start && spec.detection_patterns.count(pattern) &&
        (!m.detect_ns || std::max(at, m.t0_ns) < *m.detect_ns)) {
      m.detect_ns = std::max(at, m.t0_ns);
      m.detected_by = "log /" + pattern + "/";
      break;
    }
  }
}

// The first time at or after `from` when some node's probe failed `n` times in a row.
std::optional<int64_t> harness_detection(const TimelineIndex& t, int64_t from, int64_t n) {
  std::optional<int64_t> best;
  for (const auto& [node, results] : t.probes) {
    int64_t run = 0;
    for (const auto& [at, ok] : results) {
      if (at < from) continue;
      run = ok ? 0 : run + 1;
      if (run == n) {
        best = std::min(best.value_or(at), at);
        break;
      }
    }
  }
  return best;
}

// How long a fault's recovery is observed: until the next fault that starts after this one is
// reverted (its own disturbance must not count against this one), else the end of the workload.
// Faults that overlap this one share its window: the drill measures their joint recovery.
int64_t observation_end(const TimelineIndex& t, const FaultTimes& fault) {
  const int64_t settled = fault.reverted_ns.value_or(fault.t0_ns.value_or(0));
  int64_t end = t.workload_end_ns;
  for (const auto& [index, other] : t.faults) {
    if (other.start_ns && *other.start_ns > settled) end = std::min(end, *other.start_ns);
  }
  return end;
}

FaultMeasure measure_fault(const RunSpec& spec, const TimelineIndex& t,
                           const SteadyStateOverTime& steady, const FaultTimes& f) {
  FaultMeasure m;
  m.index = f.index;
  m.kind = f.kind;
  m.target = f.target;
  m.node = f.node;
  m.scheduled_ns = f.scheduled_ns;
  m.reverted_ns = f.reverted_ns;
  m.t0_ns = *f.t0_ns;
  const int64_t start = f.start_ns.value_or(m.t0_ns);
  m.impact_ns = impact_of(spec, t, start);
  detect(spec, t, start, m);
  m.harness_detect_ns = harness_detection(t, m.t0_ns, spec.probe_failures);
  m.masked = !m.impact_ns;
  m.recover_ns = m.masked ? std::optional<int64_t>(m.t0_ns)
                          : steady.recovery(*m.impact_ns, observation_end(t, f));
  return m;
}

}  // namespace

std::optional<double> FaultMeasure::detection_ms() const {
  return detect_ns ? std::optional<double>(ms(*detect_ns - t0_ns)) : std::nullopt;
}

std::optional<double> FaultMeasure::recovery_ms() const {
  return recover_ns ? std::optional<double>(ms(std::max<int64_t>(0, *recover_ns - t0_ns)))
                    : std::nullopt;
}

FaultMeasures measure_faults(const RunSpec& spec, const TimelineIndex& t,
                             const SteadyStateOverTime& steady) {
  FaultMeasures out;
  for (const auto& [index, f] : t.faults) {
    if (f.failed_to_apply || !f.t0_ns) {
      out.inconclusive.push_back(fault_label(index) + " " + f.kind +
                                 " was never verified in effect");
      continue;
    }
    note_alerts_already_firing(spec, t, index, f.start_ns.value_or(*f.t0_ns), out.inconclusive);
    out.measured.push_back(measure_fault(spec, t, steady, f));
  }
  return out;
}

std::vector<int64_t> recovery_times(const FaultMeasures& m) {
  std::vector<int64_t> out;
  for (const FaultMeasure& f : m.measured) {
    if (f.recover_ns) out.push_back(std::max<int64_t>(0, *f.recover_ns - f.t0_ns));
  }
  return out;
}

// What a power.loss took from each node's volume, and how the node had synced until then (its
// apply evidence, lab/lab_place.cc), for report.json's faults[].power_loss.
json::object power_loss_json(const json::object& cut) {
  json::array nodes;
  if (const auto* volumes = cut.if_contains("volumes"); volumes && volumes->is_array()) {
    for (const json::value& v : volumes->as_array()) {
      if (!v.is_object()) continue;
      json::object node = v.as_object();
      if (const auto* volume = node.if_contains("volume"); volume && volume->is_object()) {
        for (const auto& [key, value] : volume->as_object()) node[key] = value;
      }
      node.erase("volume");
      nodes.push_back(std::move(node));
    }
  }
  const json::value* bytes = cut.if_contains("bytes_discarded");
  return json::object{{"bytes_discarded", bytes ? *bytes : json::value(0)},
                      {"torn", cut.contains("torn") ? cut.at("torn") : json::value(nullptr)},
                      {"nodes", std::move(nodes)}};
}

json::array faults_json(const FaultMeasures& m, const RunSpec& spec, const TimelineIndex& t) {
  json::array out;
  for (const FaultMeasure& f : m.measured) {
    const int64_t gap_ns = f.t0_ns - f.scheduled_ns.value_or(f.t0_ns);
    const std::optional<int64_t> t0 = f.t0_ns;
    out.push_back(json::object{
        {"index", f.index},
        {"kind", f.kind},
        {"target", f.target},
        {"node", f.node},
        {"scheduled_ms", ms_or_null(f.scheduled_ns)},
        {"t0_ms", ms(f.t0_ns)},
        {"injection_gap_ms", ms(gap_ns)},
        {"reverted_ms", ms_or_null(f.reverted_ns)},
        {"impact_ms", ms_or_null(f.impact_ns)},
        {"masked", f.masked},
        {"detected", f.detect_ns.has_value()},
        {"detected_by", f.detected_by},
        {"detection_ms", difference_ms(f.detect_ns, t0)},
        {"harness_detection_ms", difference_ms(f.harness_detect_ns, t0)},
        {"detection_gap_ms", difference_ms(f.detect_ns, f.harness_detect_ns)},
        {"detection_stages",
         detection_stages_json(f.detecting_alert ? detection_stages(t, *f.detecting_alert) : std::nullopt, f.t0_ns)},
        {"recovered", f.recover_ns.has_value()},
        {"recovery_ms", difference_ms(f.recover_ns, t0)},
        // recovery = detection + repair (R = T_d + T_r)
        {"repair_ms", difference_ms(f.recover_ns, f.detect_ns)},
        {"outage_ms", difference_ms(f.recover_ns, f.impact_ns)},
        // What limits the precision of these numbers (DESIGN.md §5).
        {"uncertainty_ms", json::object{{"injection_gap", ms(gap_ns)},
                                        {"probe_interval", spec.steady_state.probe_interval_ms},
                                        {"steady_state_grid", kSteadyStateGridNs / kNsPerMs},
                                        {"steady_state_window", spec.steady_state.window_ms}}}});
    if (auto it = t.faults.find(f.index); it != t.faults.end() && !it->second.power_cut.empty()) {
      out.back().as_object()["power_loss"] = power_loss_json(it->second.power_cut);
    }
  }
  return out;
}

}  // namespace firedrill
