// LiveState; see live_state.h.
#include "live/live_state.h"

#include <algorithm>
#include <boost/json.hpp>
#include <type_traits>

#include "core/json_read.h"

namespace json = boost::json;

namespace firedrill {
namespace {

json::value ms_since(const std::optional<int64_t>& t_ns, int64_t from_ns) {
  return t_ns ? json::value(static_cast<double>(*t_ns - from_ns) / 1e6) : json::value(nullptr);
}

json::value ms_of(const std::optional<int64_t>& t_ns) { return ms_since(t_ns, 0); }

// "node=ledger-1 severity=page": an alert's labels but its name, for a person.
std::string labels_text(const json::object& labels) {
  std::string out;
  for (const auto& [key, value] : labels) {
    if (key == "alertname" || !value.is_string()) continue;
    out += (out.empty() ? "" : " ") + std::string(key) + "=" + std::string(value.as_string());
  }
  return out;
}

}  // namespace

LiveState::LiveState(const json::object& run) {
  // What counts for detection is scoring's reading of run.json, so that the live marks and the
  // report's come from one rule. A run.json of the wrong shape (which scoring reports) counts
  // nothing here.
  try {
    spec_ = read_run_spec(run);
  } catch (const std::exception&) {
    spec_ = RunSpec{};
  }
  const json::object& phases = json_read::object(run, "phases");
  for (const char* key : {"baseline_ms", "fault_phase_ms", "convergence_ms"}) planned_ms_ += json_read::integer(phases, key);
  for (const auto& name : spec_.nodes) nodes_[name];
}

void LiveState::event(int64_t t_ns, const std::string& cls, const std::string& text) {
  ++events_total_;
  events_.push_back(json::object{{"seq", events_total_}, {"t_ms", static_cast<double>(t_ns) / 1e6}, {"class", cls}, {"text", text}});
  if (events_.size() > kLiveEventsMax) events_.pop_front();
}

LiveState::Fault& LiveState::fault(int64_t index) {
  Fault& f = faults_[index];
  f.index = index;
  return f;
}

// As scoring counts it: the first signal after the apply started, no earlier than T0 (a signal
// while the apply was still verifying is detection at T0).
void LiveState::on_detection_signal(int64_t t_ns, const std::string& by) {
  for (auto& [index, f] : faults_) {
    if (!f.detect_ns && f.start_ns && t_ns >= *f.start_ns) {
      f.detect_ns = f.t0_ns ? std::max(t_ns, *f.t0_ns) : t_ns;
      f.detected_by = by;
    }
  }
}

void LiveState::on_steady(int64_t t_ns, bool steady) {
  if (steady_ && *steady_ != steady) event(t_ns, steady ? "good" : "bad", steady ? "steady state back" : "steady state lost");
  steady_ = steady;
  for (auto& [index, f] : faults_) {
    if (!f.t0_ns || f.recover_ns || t_ns < *f.t0_ns) continue;
    if (!steady && !f.lost_ns) f.lost_ns = t_ns;
    if (steady && f.lost_ns) f.recover_ns = t_ns;
  }
}

void LiveState::on_alert(int64_t t_ns, const std::string& status, const std::string& name, const json::object& labels) {
  const std::string text = labels_text(labels);
  const bool firing = status == "firing";
  auto it = alerts_.find(name + " " + text);
  if (it == alerts_.end()) {
    if (alerts_.size() >= kLiveAlertsMax) {  // the longest resolved goes first, a firing one last
      auto oldest = std::min_element(alerts_.begin(), alerts_.end(), [](const auto& a, const auto& b) {
        return std::pair(a.second.firing, a.second.since_ns) < std::pair(b.second.firing, b.second.since_ns);
      });
      alerts_.erase(oldest);
    }
    it = alerts_.emplace(name + " " + text, Alert{name, text}).first;
  }
  if (it->second.firing != firing || it->second.since_ns == 0) it->second.since_ns = t_ns;
  it->second.firing = firing;
  event(t_ns, firing ? "alert" : "good", "alert " + name + (text.empty() ? "" : " {" + text + "}") + " " + status);
  if (firing && spec_.counts_for_detection(name)) on_detection_signal(t_ns, "alert " + name);
}

template <class R>
void LiveState::on(int64_t t, const R& r) {
  if constexpr (std::is_same_v<R, HarnessPhase>) {
    phase_ = r.phase;
    if (r.phase == "baseline") baseline_ns_ = t;
    phases_.push_back(json::object{{"t_ns", t}, {"phase", r.phase}});
    event(t, "phase", "phase " + r.phase);
  } else if constexpr (std::is_same_v<R, HarnessSteadyState>) {
    on_steady(t, r.steady);
  } else if constexpr (std::is_same_v<R, HarnessAbort>) {
    event(t, "bad", "aborting: " + r.reason);
  } else if constexpr (std::is_same_v<R, HarnessStopCondition>) {
    event(t, "bad", "stop condition " + r.guard + ": " + r.reason);
  } else if constexpr (std::is_same_v<R, HarnessError>) {
    event(t, "bad", "harness error: " + r.where + ": " + r.error);
  } else if constexpr (std::is_same_v<R, HarnessPreconditionFailed>) {
    event(t, "bad", "precondition failed: " + r.what);
  } else if constexpr (std::is_same_v<R, HarnessEnd>) {
    ended_ = true;
    end_text_ = r.end;
    event(t, "phase", "drill " + r.end + ": " + std::to_string(r.payments_ok) + " payments ok, " +
                          std::to_string(r.payments_fail) + " failed, " + std::to_string(r.payments_unknown) + " unknown");
  } else if constexpr (std::is_same_v<R, FaultApply>) {
    Fault& f = fault(r.fault);
    f.kind = r.fault_kind;
    f.target = r.target;
    f.node = r.node;
    f.start_ns = t;
    event(t, "fault", "fault[" + std::to_string(r.fault) + "] " + r.fault_kind + " " + r.node + ": applying");
  } else if constexpr (std::is_same_v<R, FaultApplied> || std::is_same_v<R, FaultApplyFailed>) {
    Fault& f = fault(r.fault);
    const bool applied = std::is_same_v<R, FaultApplied>;
    if (applied) f.t0_ns = t;
    if (applied && f.detect_ns) f.detect_ns = std::max(*f.detect_ns, t);
    f.state = applied ? "in effect" : "failed to apply";
    event(t, applied ? "fault" : "bad",
          "fault[" + std::to_string(r.fault) + "] " + r.fault_kind + (applied ? ": in effect (T0)" : ": failed to apply: " + r.error));
  } else if constexpr (std::is_same_v<R, FaultRevert>) {
    fault(r.fault).state = "reverting";
  } else if constexpr (std::is_same_v<R, FaultReverted> || std::is_same_v<R, FaultRevertFailed>) {
    Fault& f = fault(r.fault);
    const bool reverted = std::is_same_v<R, FaultReverted>;
    if (reverted) f.reverted_ns = t;
    f.state = reverted ? "reverted" : "revert failed";
    event(t, reverted ? "good" : "bad",
          "fault[" + std::to_string(r.fault) + "] " + r.fault_kind + (reverted ? ": reverted" : ": revert failed: " + r.error));
  } else {
    on_system(t, r);
  }
}

template <class R>
void LiveState::on_system(int64_t t, const R& r) {
  if constexpr (std::is_same_v<R, SupervisorStarted>) {
    nodes_[r.node].state = "running";
    event(t, "node", r.node + " started (pid " + std::to_string(r.pid) + ")");
  } else if constexpr (std::is_same_v<R, SupervisorStartFailed>) {
    nodes_[r.node].state = "failed to start";
    event(t, "bad", r.node + " failed to start: " + r.error.value_or(""));
  } else if constexpr (std::is_same_v<R, SupervisorExited>) {
    nodes_[r.node].state = "exited";
    event(t, r.expected ? "node" : "bad",
          r.node + (r.signal ? " killed by signal " + std::to_string(r.signal) : " exited with " + std::to_string(r.exit_code)) +
              (r.expected ? " (the drill's doing)" : " (unexpected)"));
  } else if constexpr (std::is_same_v<R, ProbeHealth>) {
    Node& n = nodes_[r.node];
    if (n.healthy && *n.healthy != r.ok) event(t, r.ok ? "good" : "bad", r.node + (r.ok ? " healthy again" : " health probe failing"));
    n.healthy = r.ok;
  } else if constexpr (std::is_same_v<R, AlertmanagerAlert>) {
    on_alert(t, r.status, r.alertname, r.labels);
  } else if constexpr (std::is_same_v<R, LogMatch>) {
    event(t, "alert", "log " + r.node + " /" + r.pattern + "/");
    if (spec_.detection_patterns.count(r.pattern)) on_detection_signal(t, "log /" + r.pattern + "/");
  } else if constexpr (std::is_same_v<R, ActionStart>) {
    event(t, "node", "action " + r.action + " on " + r.node);
  } else if constexpr (std::is_base_of_v<WorkloadCompletion, R>) {
    series_.add(t, std::is_same_v<R, WorkloadOk>, r.latency_ns);
  }
}

void LiveState::add(int64_t t_ns, const TimelineRecord& record) {
  now_ns_ = std::max(now_ns_, t_ns);
  std::visit([&](const auto& r) { on(t_ns, r); }, record);
}

double LiveState::planned_end_s() const {
  const int64_t from = baseline_ns_.value_or(now_ns_);
  return static_cast<double>(std::max(from + planned_ms_ * 1'000'000, now_ns_)) / 1e9;
}

json::object LiveState::report_json() const {
  json::array faults;
  for (const auto& [index, f] : faults_) {
    json::object o{{"index", index}, {"kind", f.kind}, {"node", f.node}, {"target", f.target}, {"state", f.state},
                   {"t0_ms", ms_of(f.t0_ns)}, {"reverted_ms", ms_of(f.reverted_ns)}, {"detected_by", f.detected_by}};
    o["detection_ms"] = f.t0_ns ? ms_since(f.detect_ns, *f.t0_ns) : json::value(nullptr);
    o["recovery_ms"] = f.t0_ns ? ms_since(f.recover_ns, *f.t0_ns) : json::value(nullptr);
    faults.push_back(std::move(o));
  }
  return json::object{{"faults", std::move(faults)}};
}

json::object LiveState::events_json() const { return json::object{{"phases", phases_}}; }

json::object LiveState::view(int64_t event_after) const {
  json::array nodes;
  for (const auto& [name, n] : nodes_) {
    nodes.push_back(json::object{{"name", name}, {"state", n.state},
                                 {"healthy", n.healthy ? json::value(*n.healthy) : json::value(nullptr)}});
  }
  json::array alerts;
  for (const auto& [key, a] : alerts_) {
    alerts.push_back(json::object{{"name", a.name}, {"labels", a.labels}, {"firing", a.firing},
                                  {"since_ms", static_cast<double>(a.since_ns) / 1e6}});
  }
  json::array events;
  for (const auto& e : events_) {
    if (e.at("seq").as_int64() > event_after) events.push_back(e);
  }
  const int64_t oldest = events_.empty() ? events_total_ + 1 : events_.front().at("seq").as_int64();
  return json::object{{"phase", phase_},
                      {"elapsed_ms", static_cast<double>(now_ns_) / 1e6},
                      {"steady", steady_ ? json::value(*steady_) : json::value(nullptr)},
                      {"drill_end", end_text_},
                      {"nodes", std::move(nodes)},
                      {"alerts", std::move(alerts)},
                      {"faults", report_json().at("faults")},
                      {"events", std::move(events)},
                      {"events_dropped", std::max<int64_t>(0, oldest - 1 - event_after)}};
}

}  // namespace firedrill
