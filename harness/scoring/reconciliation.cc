// The reconciliation; see reconciliation.h.
#include "scoring/reconciliation.h"

#include <algorithm>
#include <boost/json.hpp>

#include "scoring/report_time.h"

namespace json = boost::json;

namespace firedrill {
namespace {

// The fullest export's node ("" when none).
std::string reference_of(const ExportsRead& exports) {
  std::string reference;
  for (const auto& [node, e] : exports.by_node) {
    if (reference.empty() || e->transfers > exports.by_node.at(reference)->transfers)
      reference = node;
  }
  return reference;
}

void add_lost(Reconciliation& r, std::string_view key, const KeyState& k) {
  r.lost.add(key, k.amount);
  r.earliest_lost_ack = std::min(r.earliest_lost_ack.value_or(k.first_ack_ns), k.first_ack_ns);
  r.latest_lost_ack = std::max(r.latest_lost_ack.value_or(k.first_ack_ns), k.first_ack_ns);
  r.lost_acks.push_back(k.first_ack_ns);
  if (r.lost_payments.size() < kReportIdsListedMax) {  // bounded as lost_ids is
    r.lost_payments.push_back(
        json::object{{"id", key}, {"amount", k.amount}, {"acknowledged_ms", ms(k.first_ack_ns)}});
  }
}

// One key against the reference export.
void reconcile_key(Reconciliation& r, std::string_view key, const KeyState& k, const Export& ref,
                   uint32_t id) {
  const std::size_t copies = ref.copies_of(id);
  if (k.ok) ++r.acknowledged;
  if (copies > 1) r.duplicated.add(key, k.amount * static_cast<int64_t>(copies - 1));
  if (copies >= 1) {
    if (const std::optional<int64_t> amount = ref.corrupted_amount(id))
      r.corrupted.add(key, *amount);
  }
  if (k.ok && copies == 0) {
    add_lost(r, key, k);
  } else if (!k.ok && k.unknown) {
    (copies ? r.recovered : r.unknown_absent).add(key, k.amount);
  } else if (!k.ok && k.fail && copies > 0) {
    r.failed_but_applied.add(key, k.amount);
  }
}

}  // namespace

Reconciliation reconcile(const TimelineIndex& t, const ExportsRead& exports) {
  Reconciliation r;
  r.reference_node = reference_of(exports);
  r.replicas_agree = exports.parsed.size() <= 1;
  const Export empty;
  const Export& ref = r.reference_node.empty() ? empty : *exports.by_node.at(r.reference_node);
  r.unexpected = ref.unexpected;
  r.invoked = static_cast<int64_t>(t.key_order.size());
  for (uint32_t id : t.key_order) reconcile_key(r, t.names.view(id), t.keys[id], ref, id);
  return r;
}

RecoveryPoint recovery_point(const Reconciliation& r, const std::vector<int64_t>& t0s) {
  RecoveryPoint p;
  if (!t0s.empty()) {
    p.t0_ns = t0s.back();
    for (int64_t t0 : t0s) {
      if (r.latest_lost_ack && t0 >= *r.latest_lost_ack) {
        p.t0_ns = t0;
        break;
      }
    }
  }
  for (int64_t ack : r.lost_acks) p.lost_after_t0 += p.t0_ns && ack >= *p.t0_ns ? 1 : 0;
  p.rpo_ms = r.earliest_lost_ack && p.t0_ns
                 ? json::value(std::max<double>(0, ms(*p.t0_ns - *r.earliest_lost_ack)))
                 : json::value(0);
  p.rpo_t0_ms = p.t0_ns ? json::value(ms(*p.t0_ns)) : json::value(nullptr);
  p.loss_span_ms = r.earliest_lost_ack ? json::value(ms(*r.latest_lost_ack - *r.earliest_lost_ack))
                                       : json::value(0);
  return p;
}

json::object reconciliation_json(const Reconciliation& r, const Invariants& invariants,
                                 const RecoveryPoint& p) {
  return json::object{{"reference_node", r.reference_node},
                      {"invoked", r.invoked},
                      {"acknowledged", r.acknowledged},
                      {"lost", r.lost.count},
                      {"lost_ids", r.lost.ids},
                      {"lost_amount", r.lost.amount},
                      {"lost_after_t0", p.lost_after_t0},
                      {"lost_payments", r.lost_payments},
                      {"duplicated", r.duplicated.count},
                      {"duplicated_ids", r.duplicated.ids},
                      {"failed_but_applied", r.failed_but_applied.count},
                      {"failed_but_applied_ids", r.failed_but_applied.ids},
                      {"unexpected", r.unexpected.count},
                      {"unexpected_ids", r.unexpected.ids},
                      {"corrupted", r.corrupted.count},
                      {"corrupted_ids", r.corrupted.ids},
                      {"recovered", r.recovered.count},
                      {"unknown_absent", r.unknown_absent.count},
                      {"money_conserved", invariants.money_conserved},
                      {"negative_balances", invariants.negative},
                      {"balances_match_replay", invariants.balances_match},
                      {"replicas_agree", r.replicas_agree},
                      {"invariant_problems", invariants.problems},
                      {"rpo_ms", p.rpo_ms},
                      {"rpo_t0_ms", p.rpo_t0_ms},
                      {"loss_span_ms", p.loss_span_ms}};
}

}  // namespace firedrill
