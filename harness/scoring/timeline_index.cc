// The timeline indexed; see timeline_index.h.
#include "scoring/timeline_index.h"

#include <algorithm>
#include <boost/json.hpp>
#include <stdexcept>

#include "core/json_read.h"
#include "scoring/big_buffers.h"

namespace json = boost::json;

namespace firedrill {
namespace {

using json_read::flag;
using json_read::integer;
using json_read::text;

std::optional<Outcome> outcome_of(std::string_view kind) {
  if (kind == "ok") return Outcome::ok;
  if (kind == "fail") return Outcome::fail;
  if (kind == "unknown") return Outcome::unknown;
  return std::nullopt;
}

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

// A workload record kept as JSON (a RunData built by hand, or a line of another shape).
void index_workload_json(const json::object& r, std::string_view kind, int64_t at,
                         TimelineIndex& t) {
  if (kind == "invoke") {
    const uint32_t key = t.names.id(json_read::view(r, "key"));
    note_invoke(t, key, t.names.id(json_read::view(r, "from")),
                t.names.id(json_read::view(r, "to")), integer(r, "amount"));
  } else if (const std::optional<Outcome> o = outcome_of(kind)) {
    note_completion(t, t.names.id(json_read::view(r, "key")), at, *o, integer(r, "latency_ns"));
  }
}

void index_fault(const json::object& r, std::string_view kind, int64_t at, TimelineIndex& t) {
  const int index = static_cast<int>(integer(r, "fault"));
  FaultTimes& f = t.faults[index];
  f.index = index;
  if (kind == "apply") {
    f.start_ns = at;
    f.scheduled_ns = integer(r, "scheduled_ns", at);
    f.kind = text(r, "fault_kind");
    f.target = text(r, "target");
    f.node = text(r, "node");
  } else if (kind == "applied") {
    if (flag(r, "verified")) f.t0_ns = at;
  } else if (kind == "apply_failed") {
    f.apply_failed = true;
  } else if (kind == "reverted") {
    f.reverted_ns = at;
  }
}

json::object stop_condition_of(const json::object& r, int64_t at) {
  return json::object{{"guard", text(r, "guard")},
                      {"threshold", json_read::value_or_null(r, "threshold")},
                      {"observed", json_read::value_or_null(r, "observed")},
                      {"for_ms", integer(r, "for_ms")},
                      {"since_ms", static_cast<double>(integer(r, "since_ns")) / kNsPerMs},
                      {"tripped_ms", static_cast<double>(at) / kNsPerMs}};
}

void index_harness(const json::object& r, std::string_view kind, int64_t at, TimelineIndex& t) {
  if (kind == "phase") t.phases.emplace(text(r, "phase"), at);
  if (kind == "precondition_failed") t.preconditions_failed.push_back(text(r, "what"));
  if (kind == "error") t.harness_errors.push_back(text(r, "where") + ": " + text(r, "error"));
  if (kind == "abort") t.abort_reason = text(r, "reason");
  if (kind == "stop_condition" && !t.stop_condition) t.stop_condition = stop_condition_of(r, at);
  if (kind == "end") t.ended = true;
  if (kind == "final_read" && flag(r, "ok")) t.final_reads_ok.insert(text(r, "path"));
}

// One record kept as JSON.
void index_record(const json::object& r, TimelineIndex& t) {
  const std::string_view source = json_read::view(r, "source");
  const std::string_view kind = json_read::view(r, "kind");
  const int64_t at = integer(r, "t_ns");
  if (source == "workload") {
    index_workload_json(r, kind, at, t);
  } else if (source == "fault") {
    index_fault(r, kind, at, t);
  } else if (source == "action" && kind == "end" && text(r, "purpose") == "restore") {
    t.restore_ends.push_back(&r);
  } else if (source == "alertmanager" && kind == "alert") {
    t.alerts.push_back(AlertEvent{at, text(r, "status") == "firing", text(r, "alertname"),
                                  json::serialize(json_read::object(r, "labels"))});
  } else if (source == "logs" && kind == "log_match") {
    t.log_matches.emplace_back(at, text(r, "pattern"));
  } else if (source == "probe" && kind == "health") {
    t.probes[text(r, "node")].emplace_back(at, flag(r, "ok"));
  } else if (source == "supervisor" && kind == "exited" && !flag(r, "expected")) {
    t.unexpected_exits.push_back(text(r, "node"));
  } else if (source == "harness") {
    index_harness(r, kind, at, t);
  }
}

}  // namespace

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
