// The objectives of run.json judged against the measures, once: each judgement feeds both the
// objectives table of report.json and, when missed, the failures list (DESIGN.md §6).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "scoring/fault_measures.h"
#include "scoring/reconciliation.h"
#include "scoring/restores.h"
#include "scoring/run_spec.h"

namespace firedrill {

struct Objective {
  std::string name;  // as the table names it ("fault[0] detect_within")
  boost::json::value target, measured;
  bool pass = true;
  bool in_table = true;  // false: a failure without a target (not recovered, no RTO)
  std::string failure;   // why it was missed, as the failures list says; "" when met
};

// The judgements in the groups the report orders them by.
struct Objectives {
  std::vector<Objective> faults;        // per fault: detect_within, recover_within
  std::vector<Objective> payments;      // lost_payments_max, duplicated_payments_max (safety)
  std::vector<Objective> availability;  // availability_min
  std::vector<Objective> restores;      // rpo_within, then per fault restore_within
};

Objectives judge_objectives(const ObjectiveTargets& targets, const FaultMeasures& faults,
                            const Reconciliation& r, double success_ratio,
                            const RestoreMeasures& restores);

// report.json's "objectives": the table, in the order faults, payments, availability, restores.
boost::json::array objectives_table(const Objectives& o);

// The failures of `group`, in order.
std::vector<std::string> failures_of(const std::vector<Objective>& group);

}  // namespace firedrill
