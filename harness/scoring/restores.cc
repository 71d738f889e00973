// Restores; see restores.h.
#include "scoring/restores.h"

#include <algorithm>
#include <boost/json.hpp>

#include "core/json_read.h"
#include "scoring/report_time.h"

namespace json = boost::json;

namespace firedrill {
namespace {

// The newest restored point so far.
struct BestPoint {
  int64_t position = -1;
  std::optional<int64_t> ack_ns;
  int fault = -1;
};

// When the workload was first told `key` was acknowledged, or nullopt.
std::optional<int64_t> acknowledged_at(const TimelineIndex& t, const std::string& key) {
  const int64_t i = t.find(key);
  if (key.empty() || i < 0 || !t.keys[static_cast<std::size_t>(i)].ok) return std::nullopt;
  return t.keys[static_cast<std::size_t>(i)].first_ack_ns;
}

// One restore action's end record into `m`.
void add_restore(const TimelineIndex& t, const json::object& r, RestoreMeasures& m,
                 BestPoint& best) {
  const int fault = static_cast<int>(json_read::integer(r, "fault"));
  const int64_t ended = json_read::integer(r, "t_ns");
  const int64_t started =
      json_read::integer(r, "started_ns", ended - json_read::integer(r, "duration_ns"));
  const bool succeeded = json_read::flag(r, "succeeded");
  const json::object& report = json_read::object(r, "output");
  const std::string node = json_read::text(r, "node"),
                    key = json_read::text(report, "restored_key"),
                    damaged = json_read::text(report, "damaged_file");
  const std::optional<int64_t> ack_ns = acknowledged_at(t, key);
  const int64_t position = json_read::integer(report, "restored_position");
  m.restores.push_back(json::object{
      {"fault", fault},
      {"node", node},
      {"action", json_read::text(r, "action")},
      {"started_ms", ms(started)},
      {"ended_ms", ms(ended)},
      {"duration_ms", ms(ended - started)},
      {"succeeded", succeeded},
      {"error", json_read::text(r, "error")},
      {"restored_position", succeeded ? json::value(position) : json::value(nullptr)},
      {"restored_key", succeeded ? json::value(key) : json::value(nullptr)},
      {"restored_point_ms", succeeded ? ms_or_null(ack_ns) : json::value(nullptr)},
      {"damaged_file", damaged.empty() ? json::value(nullptr) : json::value(damaged)}});
  RestoresOfFault& p = m.per_fault[fault];
  p.first_start_ns = p.restores ? std::min(p.first_start_ns, started) : started;
  p.last_end_ns = std::max(p.last_end_ns, ended);
  p.all_succeeded = p.all_succeeded && succeeded;
  ++p.restores;
  const std::string who = "fault[" + std::to_string(fault) + "] storage.loss: restore of " + node;
  if (!damaged.empty()) {
    m.damaged_files.push_back(json::value(damaged));
    m.refused_backups.push_back(who + " refused a damaged backup: " + damaged);
  } else if (!succeeded) {
    m.failed_restores.push_back(who + " failed: " + json_read::text(r, "error"));
  }
  if (succeeded && position > best.position) {
    best = BestPoint{position, ack_ns, fault};
    m.restored_point = json::object{
        {"node", node},
        {"position", position},
        {"key", key},
        {"committed_at_ms", json_read::value_or_null(report, "restored_committed_at_ms")},
        {"acknowledged_ms", ms_or_null(ack_ns)}};
  }
}

}  // namespace

double RestoresOfFault::duration_ms() const {
  return ms(last_end_ns - first_start_ns);
}

RestoreMeasures measure_restores(const TimelineIndex& t, const json::value& reconciliation_rpo_ms) {
  RestoreMeasures m;
  BestPoint best;
  for (const json::object* end_record : t.restore_ends) add_restore(t, *end_record, m, best);
  // The RPO against the restored point: from that payment's acknowledgement to the loss (T0).
  // A restore that brought back no payment of this drill falls back to the reconciliation's RPO.
  m.rpo_ms = reconciliation_rpo_ms;
  if (best.fault >= 0 && best.ack_ns) {
    if (auto it = t.faults.find(best.fault); it != t.faults.end() && it->second.t0_ns) {
      m.rpo_ms = std::max<double>(0, ms(*it->second.t0_ns - *best.ack_ns));
    }
  }
  return m;
}

json::value restore_json(const RestoreMeasures& m, const Reconciliation& r) {
  if (m.per_fault.empty()) return nullptr;
  double duration_ms = 0;
  for (const auto& [fault, p] : m.per_fault) duration_ms = std::max(duration_ms, p.duration_ms());
  int64_t failed = 0;
  for (const auto& restore : m.restores)
    failed += json_read::flag(restore.as_object(), "succeeded") ? 0 : 1;
  return json::object{
      {"restores", static_cast<int64_t>(m.restores.size())},
      {"failed", failed},
      {"duration_ms", duration_ms},
      {"restored_point", m.restored_point ? json::value(*m.restored_point) : json::value(nullptr)},
      {"rpo_ms", m.rpo_ms},
      // The payments acknowledged after the restored point that the system did not get back:
      // the reconciliation's lost set, named here because it is the restore's loss.
      {"lost", r.lost.count},
      {"lost_ids", r.lost.ids},
      {"lost_amount", r.lost.amount},
      {"backup_integrity", m.damaged_files.empty()},
      {"damaged_files", m.damaged_files}};
}

}  // namespace firedrill
