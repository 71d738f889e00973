// The timeline indexed; see timeline_index.h.
#include "scoring/timeline_index.h"

#include <algorithm>
#include <boost/json.hpp>
#include <stdexcept>

#include "core/json_read.h"
#include "timeline/record.h"
#include "scoring/big_buffers.h"

namespace json = boost::json;

namespace firedrill {
namespace {

using json_read::integer;

// A workload invoke: the first sight of a key that is its invoke says what the payment was.
void note_invoke(TimelineIndex& t, uint32_t key, uint32_t from, uint32_t to, int64_t amount) {
  const bool first_sight = key >= t.keys.size() || !t.keys[key].seen;
  KeyState& k = t.key(key);
  if (!first_sight) return;
  k.invoked = true;
  k.from = from;
  k.to = to;
  k.amount = amount;
  t.key_order.push_back(key);
}

// A workload completion (ok, fail or unknown) of an attempt of `key`.
void note_completion(TimelineIndex& t, uint32_t key, int64_t at, Outcome o, int64_t latency_ns) {
  t.completions.push_back(Completion{at, o, latency_ns});
  t.workload_end_ns = std::max(t.workload_end_ns, at);
  KeyState& k = t.key(key);
  if (o == Outcome::ok) {
    if (!k.ok) k.first_ack_ns = at;
    k.ok = true;
  }
  k.unknown = k.unknown || o == Outcome::unknown;
  k.fail = k.fail || o == Outcome::fail;
}

// The workload's compact records (those read_run_dir kept).
void index_workload(const RunData& data, TimelineIndex& t) {
  const std::size_t strings = data.strings.size();
  for (const WorkloadRecord& w : data.workload) {
    if (w.key >= strings || w.from >= strings || w.to >= strings) {
      throw std::out_of_range("workload record names a string its table does not hold");
    }
    if (w.kind == WorkloadRecord::invoke) {
      note_invoke(t, w.key, w.from, w.to, w.value);
    } else if (w.kind != WorkloadRecord::skipped) {
      const Outcome o = w.kind == WorkloadRecord::ok     ? Outcome::ok
                        : w.kind == WorkloadRecord::fail ? Outcome::fail
                                                         : Outcome::unknown;
      note_completion(t, w.key, w.t_ns, o, w.value);
    }
  }
}

// A workload completion kept as JSON (a RunData built by hand, or a line of another shape).
void index_completion_json(const WorkloadCompletion& c, Outcome o, int64_t at, TimelineIndex& t) {
  note_completion(t, t.names.id(c.key), at, o, c.latency_ns.value_or(0));
}

// Every fault record (of a known kind or not) names its fault: the map entry is made for each.
void index_fault(const json::object& r, const TimelineRecord& record, int64_t at, TimelineIndex& t) {
  const int index = static_cast<int>(integer(r, "fault"));
  FaultTimes& f = t.faults[index];
  f.index = index;
  std::visit(overloaded{[&](const FaultApply& apply) {
                          f.start_ns = at;
                          f.scheduled_ns = apply.scheduled_ns.value_or(at);
                          f.kind = apply.fault_kind;
                          f.target = apply.target;
                          f.node = apply.node;
                        },
                        [&](const FaultApplied& applied) {
                          if (applied.verified) f.t0_ns = at;
                          if (applied.fault_kind == "power.loss") f.power_cut = applied.evidence;
                        },
                        [&](const FaultApplyFailed&) { f.failed_to_apply = true; },
                        [&](const FaultReverted&) { f.reverted_ns = at; }, [](const auto&) {}},
             record);
}

json::object stop_condition_of(const HarnessStopCondition& s, int64_t at) {
  return json::object{{"guard", s.guard},
                      {"threshold", s.threshold},
                      {"observed", s.observed},
                      {"for_ms", s.for_ms},
                      {"since_ms", static_cast<double>(s.since_ns) / kNsPerMs},
                      {"tripped_ms", static_cast<double>(at) / kNsPerMs}};
}

// The controller's own records.
void index_harness(const TimelineRecord& record, int64_t at, TimelineIndex& t) {
  std::visit(overloaded{[&](const HarnessPhase& p) { t.phases.emplace(p.phase, at); },
                        [&](const HarnessPreconditionFailed& p) { t.preconditions_failed.push_back(p.what); },
                        [&](const HarnessError& e) { t.harness_errors.push_back(e.where + ": " + e.error); },
                        [&](const HarnessAbort& a) { t.abort_reason = a.reason; },
                        [&](const HarnessStopCondition& s) {
                          if (!t.stop_condition) t.stop_condition = stop_condition_of(s, at);
                        },
                        [&](const HarnessEnd&) { t.ended = true; },
                        [&](const HarnessFinalRead& read) {
                          if (read.ok) t.final_reads_ok.insert(read.path);
                        },
                        [](const auto&) {}},
             record);
}

// One record kept as JSON, told apart by its typed record.
void index_record(const json::object& r, TimelineIndex& t) {
  const TimelineRecord record = decode_record(json_read::view(r, "source"), json_read::view(r, "kind"), r);
  const int64_t at = integer(r, "t_ns");
  if (source_of(record) == kFaultSource) return index_fault(r, record, at, t);
  if (source_of(record) == kHarnessSource) return index_harness(record, at, t);
  std::visit(overloaded{[&](const WorkloadInvoke& w) {
                          note_invoke(t, t.names.id(w.key), t.names.id(w.from), t.names.id(w.to), w.amount);
                        },
                        [&](const WorkloadOk& c) { index_completion_json(c, Outcome::ok, at, t); },
                        [&](const WorkloadFail& c) { index_completion_json(c, Outcome::fail, at, t); },
                        [&](const WorkloadUnknown& c) { index_completion_json(c, Outcome::unknown, at, t); },
                        [&](const ActionEnd& a) {
                          if (a.purpose == "restore") t.restore_ends.push_back(&r);
                        },
                        [&](const AlertmanagerAlert& a) {
                          t.alerts.push_back(
                              AlertEvent{at, a.status == "firing", a.alertname, alert_identity(a.labels), a.labels});
                        },
                        [&](const PrometheusSetup& p) {
                          t.monitoring = MonitoringBudget{p.scrape_interval_ms, p.evaluation_interval_ms,
                                                          p.group_wait_ms};
                        },
                        [&](const PrometheusRule& rule) {
                          t.alert_rules.push_back(AlertRule{rule.name, rule.file, rule.for_ms, rule.labels});
                        },
                        [&](const PrometheusAlertEpisode& e) {
                          t.alert_episodes.push_back(AlertEpisode{e.alertname, alert_identity(e.labels), e.symptom_ns,
                                                                  e.pending_ns, e.firing_ns, e.ended_ns});
                        },
                        [&](const LogMatch& m) { t.log_matches.emplace_back(at, m.pattern); },
                        [&](const ProbeHealth& p) { t.probes[p.node].emplace_back(at, p.ok); },
                        [&](const SupervisorExited& e) {
                          if (!e.expected) t.unexpected_exits.push_back(e.node);
                        },
                        [](const auto&) {}},
             record);
}

}  // namespace

std::string alert_identity(const json::object& labels) {
  std::vector<std::pair<std::string_view, const json::value*>> sorted;
  for (const auto& [key, value] : labels) sorted.emplace_back(key, &value);
  std::sort(sorted.begin(), sorted.end());
  json::object canonical;
  for (const auto& [key, value] : sorted) canonical[key] = *value;
  return json::serialize(canonical);
}

KeyState& TimelineIndex::key(uint32_t id) {
  if (id >= keys.size()) keys.resize(static_cast<std::size_t>(id) + 1);
  keys[id].seen = true;
  return keys[id];
}

int64_t TimelineIndex::find(std::string_view k, int64_t guess) const {
  if (guess >= 0 && static_cast<std::size_t>(guess) < keys.size() &&
      names.view(static_cast<uint32_t>(guess)) == k) {
    return seen(guess);
  }
  return find(k);
}

int64_t TimelineIndex::seen(int64_t id) const {
  return id >= 0 && static_cast<std::size_t>(id) < keys.size() &&
                 keys[static_cast<std::size_t>(id)].seen
             ? id
             : -1;
}

TimelineIndex index_timeline(const RunData& data) {
  TimelineIndex t(data.strings);
  reserve_big(t.keys, data.strings.size());
  t.keys.resize(data.strings.size());
  reserve_big(t.completions, data.workload.size() / 2 + 1);
  // The compact records and those kept as JSON never touch the same state but the keys, whose
  // first sight decides: the compact ones are the run's own, the JSON ones a hand-built RunData's.
  index_workload(data, t);
  for (const json::object& r : data.timeline) index_record(r, t);
  auto by_time = [](const Completion& a, const Completion& b) { return a.t_ns < b.t_ns; };
  // The timeline is written in time order, so this is nearly always sorted already.
  if (!std::is_sorted(t.completions.begin(), t.completions.end(), by_time)) {
    std::sort(t.completions.begin(), t.completions.end(), by_time);
  }
  return t;
}

}  // namespace firedrill
