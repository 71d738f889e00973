// The timeline's events for report.html; see report_events.h.
#include "scoring/report_events.h"

#include <boost/json.hpp>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>

#include "core/json_read.h"
#include "timeline/record.h"

namespace json = boost::json;

namespace firedrill {
namespace {

struct Event {
  std::string node;
  std::string what;
  bool bad = false;
};

// Milliseconds as report.md writes them: at most three decimals, no trailing zeros.
std::string milliseconds_text(double ms) {
  char text[64];
  std::snprintf(text, sizeof text, "%.3f", ms);
  std::string out(text);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out == "-0" ? "0" : out;
}

std::string exit_text(const SupervisorExited& e) {
  if (e.signal > 0) return "signal " + std::to_string(e.signal);
  return "code " + std::to_string(e.exit_code);
}

// The fault records: every step names the fault, its kind and the step; a failed one says why.
template <class R>
Event fault_event(const R& r) {
  Event e;
  if constexpr (requires { r.node; }) e.node = r.node;
  if constexpr (requires { r.evidence; }) e.node = json_read::text(r.evidence, "node");
  e.what = "fault[" + std::to_string(r.fault) + "] " + r.fault_kind + " " + std::string(R::kind);
  if constexpr (requires { r.error; }) {
    if (!r.error.empty()) e.what += ": " + r.error;
  }
  e.bad = std::is_same_v<R, FaultApplyFailed> || std::is_same_v<R, FaultRevertFailed>;
  return e;
}

// Turns records into events, remembering the last probe result per node and the last steady
// state so that only changes are shown.
class EventWriter {
 public:
  std::optional<Event> operator()(const SupervisorStarted& r) {
    // The supervisor's `expected` flag is about exits; a start is just a start.
    return Event{r.node, "process started, pid " + std::to_string(r.pid)};
  }
  std::optional<Event> operator()(const SupervisorStartFailed& r) {
    return Event{r.node, "start_failed: " + r.error.value_or(""), true};
  }
  std::optional<Event> operator()(const SupervisorExited& r) {
    return Event{r.node, "process exited (" + exit_text(r) + "), " + (r.expected ? "expected" : "UNEXPECTED"),
                 !r.expected};
  }
  std::optional<Event> operator()(const AlertmanagerAlert& r) {
    return Event{json_read::text(r.labels, "node"), "alert " + r.alertname + " " + r.status};
  }
  std::optional<Event> operator()(const AlertmanagerAlertRejected& r) {
    return Event{"", "alert post rejected (status " + std::to_string(r.status) + "): " + r.error, true};
  }
  std::optional<Event> operator()(const ActionStart& r) { return Event{r.node, action_text(r) + " start"}; }
  std::optional<Event> operator()(const ActionEnd& r) {
    return Event{r.node, action_text(r) + " end" + (r.succeeded ? ": done" : ": FAILED " + r.error), !r.succeeded};
  }
  std::optional<Event> operator()(const LogMatch& r) {
    return Event{r.node, "log matched /" + r.pattern + "/: " + r.line};
  }
  std::optional<Event> operator()(const ProbeHealth& r) {
    auto [last, first] = probe_ok_.try_emplace(r.node, r.ok);
    if (!first && last->second == r.ok) return std::nullopt;
    if (first && r.ok) return std::nullopt;
    last->second = r.ok;
    const std::string why = r.error.empty() ? "status " + std::to_string(r.status) : r.error;
    return Event{r.node, r.ok ? "health probe ok again" : "health probe failing: " + why};
  }
  std::optional<Event> operator()(const HarnessPhase& r) { return Event{"harness", "phase " + r.phase}; }
  std::optional<Event> operator()(const HarnessSteadyState& r) {
    if (steady_ == r.steady) return std::nullopt;
    steady_ = r.steady;
    return Event{"harness", r.steady ? "steady state holds" : "steady state lost (p99 " + milliseconds_text(r.p99_ms) + " ms)"};
  }
  std::optional<Event> operator()(const HarnessFinalRead& r) {
    return Event{r.node, "final read " + r.path + (r.ok ? "" : " FAILED"), !r.ok};
  }
  std::optional<Event> operator()(const HarnessEnd& r) { return Event{"harness", "end: " + r.end}; }
  std::optional<Event> operator()(const HarnessPreconditionFailed& r) {
    return Event{"harness", "precondition_failed: " + r.what, true};
  }
  std::optional<Event> operator()(const HarnessError& r) {
    return Event{"harness", "error at " + r.where + ": " + r.error, true};
  }
  std::optional<Event> operator()(const HarnessAbort& r) { return Event{"harness", "abort: " + r.reason, true}; }
  std::optional<Event> operator()(const HarnessStopCondition& r) {
    return Event{"harness", "stop_condition: " + r.reason, true};
  }
  // The fault's steps are alike (fault_event). The anchor, the lab and node_setup are shown in
  // the scenario section, workload records on the chart.
  template <KnownRecord R>
  std::optional<Event> operator()(const R& r) {
    if constexpr (R::source == kFaultSource) return fault_event(r);
    return std::nullopt;
  }
  // A record this build does not know stays in timeline.jsonl.
  std::optional<Event> operator()(const UnknownRecord&) { return std::nullopt; }

 private:
  template <class A>
  static std::string action_text(const A& r) {
    return "action " + r.action + " (" + r.purpose + ")";
  }

  std::map<std::string, bool> probe_ok_;
  std::optional<bool> steady_;
};

}  // namespace

json::object report_events(const RunData& data) {
  json::array clock_shim_nodes, plain_nodes, phases, events;
  std::string start_utc;
  EventWriter writer;
  for (const json::object& r : data.timeline) {
    const std::string_view source = json_read::view(r, "source");
    const TimelineRecord record = decode_record(source, json_read::view(r, "kind"), r);
    const int64_t t_ns = json_read::integer_of(json_read::field(r, "t_ns"));
    if (const auto* start = std::get_if<HarnessStart>(&record)) start_utc = start->utc;
    if (const auto* setup = std::get_if<HarnessNodeSetup>(&record)) {
      (setup->clock_shim ? clock_shim_nodes : plain_nodes).emplace_back(setup->node);
    }
    if (const auto* phase = std::get_if<HarnessPhase>(&record)) {
      phases.emplace_back(json::object{{"t_ns", t_ns}, {"phase", phase->phase}});
    }
    std::optional<Event> e = std::visit(writer, record);
    if (!e) continue;
    events.emplace_back(json::object{
        {"t_ns", t_ns}, {"node", e->node}, {"source", source}, {"what", e->what}, {"bad", e->bad}});
  }
  return json::object{{"start_utc", start_utc},
                      {"clock_shim_nodes", std::move(clock_shim_nodes)},
                      {"plain_nodes", std::move(plain_nodes)},
                      {"phases", std::move(phases)},
                      {"events", std::move(events)}};
}

}  // namespace firedrill
