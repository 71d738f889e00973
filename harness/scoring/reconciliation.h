// The reconciliation (DESIGN.md §5): every payment the workload meant, by idempotency key,
// against the reference export (the fullest; the others must equal it): lost (acknowledged,
// absent), duplicated, failed but applied, never requested, corrupted, and what became of the
// unknown outcomes; and the RPO — the acknowledged payments the disaster destroyed.
#pragma once

#include <boost/json/array.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scoring/exports.h"
#include "scoring/invariants.h"
#include "scoring/payment_category.h"
#include "scoring/timeline_index.h"

namespace firedrill {

struct Reconciliation {
  std::string reference_node;  // "" when no export was read
  bool replicas_agree = true;  // every export text equals the reference's
  int64_t invoked = 0, acknowledged = 0;
  Category lost, duplicated, failed_but_applied, unexpected, corrupted, recovered, unknown_absent;
  boost::json::array lost_payments;  // the evidence of each: id, amount, when acknowledged
  std::vector<int64_t> lost_acks;    // the first acknowledgement of each lost payment
  std::optional<int64_t> earliest_lost_ack, latest_lost_ack;
};

Reconciliation reconcile(const TimelineIndex& t, const ExportsRead& exports);

// The RPO of the reconciliation: the disaster instant (the first T0 at or after the last lost
// acknowledgement — the fault that destroyed them, e.g. the kill after a pause — else the last
// T0), and what was lost before it.
struct RecoveryPoint {
  std::optional<int64_t> t0_ns;
  int64_t lost_after_t0 = 0;
  boost::json::value rpo_ms, rpo_t0_ms, loss_span_ms;
};

// `t0s`: every verified fault's T0, sorted.
RecoveryPoint recovery_point(const Reconciliation& r, const std::vector<int64_t>& t0s);

// report.json's "reconciliation": the payments, the invariants, the RPO.
boost::json::object reconciliation_json(const Reconciliation& r, const Invariants& invariants,
                                        const RecoveryPoint& p);

}  // namespace firedrill
