// Objectives judged once; see objectives.h.
#include "scoring/objectives.h"

#include <boost/json.hpp>

namespace json = boost::json;

namespace firedrill {
namespace {

json::value ms_value(const std::optional<double>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

// detect_within and recover_within of one fault. Compared as reported (ms to the µs), so the
// table and the failures agree.
void judge_fault(const ObjectiveTargets& targets, const FaultMeasure& f,
                 std::vector<Objective>& out) {
  const std::string who = "fault[" + std::to_string(f.index) + "] ";
  const std::string name = who + f.kind + " on " + f.node;
  if (const auto target = targets.detect_within_ms) {
    Objective o{who + "detect_within", *target, ms_value(f.detection_ms()), true, true, ""};
    const auto detection = f.detection_ms();
    o.pass = detection && *detection <= static_cast<double>(*target);
    if (!detection)
      o.failure = name + ": undetected (detect within " + std::to_string(*target) + " ms)";
    else if (!o.pass) {
      o.failure = name + ": detected in " + std::to_string(*detection) + " ms, objective " +
                  std::to_string(*target) + " ms";
    }
    out.push_back(std::move(o));
  }
  // Not recovered is an objective missed with or without an RTO (DESIGN.md §6).
  const auto target = targets.recover_within_ms;
  const auto recovery = f.recovery_ms();
  Objective o{who + "recover_within", target ? json::value(*target) : json::value(nullptr),
              ms_value(recovery),     true,
              target.has_value(),     ""};
  o.pass = recovery && (!target || *recovery <= static_cast<double>(*target));
  if (!recovery) {
    o.failure = name + ": not recovered" +
                (target ? " (recover within " + std::to_string(*target) + " ms)" : std::string());
  } else if (!o.pass) {
    o.failure = name + ": recovered in " + std::to_string(*recovery) + " ms, objective " +
                std::to_string(*target) + " ms";
  }
  if (o.in_table || !o.pass) out.push_back(std::move(o));
}

// The most lost or duplicated payments allowed: safety conditions, listed in the table too.
// `what`: the failure's words after the count ("acknowledged payments lost").
Objective payments_max(const char* name, int64_t allowed, int64_t measured, const char* what) {
  Objective o{name, allowed, measured, measured <= allowed, true, ""};
  if (!o.pass)
    o.failure =
        std::to_string(measured) + " " + what + " (allowed " + std::to_string(allowed) + ")";
  return o;
}

void judge_payments(const ObjectiveTargets& targets, const Reconciliation& r,
                    std::vector<Objective>& out) {
  out.push_back(payments_max("lost_payments_max", targets.lost_payments_max, r.lost.count,
                             "acknowledged payments lost"));
  out.push_back(payments_max("duplicated_payments_max", targets.duplicated_payments_max,
                             r.duplicated.count, "payments applied more than once"));
}

void judge_availability(const ObjectiveTargets& targets, double success_ratio,
                        std::vector<Objective>& out) {
  if (!targets.availability_min) return;
  const double min = targets.availability_min->to_number<double>();
  Objective o{
      "availability_min", *targets.availability_min, success_ratio, success_ratio >= min, true, ""};
  if (!o.pass)
    o.failure = "availability " + std::to_string(success_ratio) + " below the objective " +
                std::to_string(min);
  out.push_back(std::move(o));
}

// rpo_within, then restore_within per fault with restores (a fault whose restore failed misses
// it, measured as null; its failure is the failed restore's own).
void judge_restores(const ObjectiveTargets& targets, const RestoreMeasures& m,
                    std::vector<Objective>& out) {
  if (const auto target = targets.rpo_within_ms) {
    const double rpo = m.rpo_ms.to_number<double>();
    Objective o{"rpo_within", *target, m.rpo_ms, rpo <= static_cast<double>(*target), true, ""};
    if (!o.pass)
      o.failure =
          "RPO " + std::to_string(rpo) + " ms, objective " + std::to_string(*target) + " ms";
    out.push_back(std::move(o));
  }
  const auto target = targets.restore_within_ms;
  if (!target) return;
  for (const auto& [fault, p] : m.per_fault) {
    const std::string who = "fault[" + std::to_string(fault) + "]";
    const double d = p.duration_ms();
    Objective o{who + " restore_within",
                *target,
                p.all_succeeded ? json::value(d) : json::value(nullptr),
                p.all_succeeded && d <= static_cast<double>(*target),
                true,
                ""};
    if (p.all_succeeded && !o.pass) {
      o.failure = who + " storage.loss: restored in " + std::to_string(d) + " ms, objective " +
                  std::to_string(*target) + " ms";
    }
    out.push_back(std::move(o));
  }
}

}  // namespace

Objectives judge_objectives(const ObjectiveTargets& targets, const FaultMeasures& faults,
                            const Reconciliation& r, double success_ratio,
                            const RestoreMeasures& restores) {
  Objectives o;
  for (const FaultMeasure& f : faults.measured) judge_fault(targets, f, o.faults);
  judge_payments(targets, r, o.payments);
  judge_availability(targets, success_ratio, o.availability);
  judge_restores(targets, restores, o.restores);
  return o;
}

json::array objectives_table(const Objectives& o) {
  json::array table;
  for (const auto* group : {&o.faults, &o.payments, &o.availability, &o.restores}) {
    for (const Objective& objective : *group) {
      if (!objective.in_table) continue;
      table.push_back(json::object{{"name", objective.name},
                                   {"target", objective.target},
                                   {"measured", objective.measured},
                                   {"pass", objective.pass}});
    }
  }
  return table;
}

std::vector<std::string> failures_of(const std::vector<Objective>& group) {
  std::vector<std::string> out;
  for (const Objective& o : group) {
    if (!o.failure.empty()) out.push_back(o.failure);
  }
  return out;
}

}  // namespace firedrill
