// Scoring as stages; see scorer.h. The definitions follow DESIGN.md §5 word for word where it
// gives them; where it is silent the choice is written next to the code, in the stage's file.
#include "scoring/scorer.h"

#include <algorithm>
#include <boost/json.hpp>
#include <stdexcept>

#include "core/json_read.h"
#include "scoring/alert_coverage.h"
#include "scoring/availability.h"
#include "scoring/exports.h"
#include "scoring/failures.h"
#include "scoring/fault_measures.h"
#include "scoring/invariants.h"
#include "scoring/objectives.h"
#include "scoring/reconciliation.h"
#include "scoring/restores.h"
#include "scoring/run_spec.h"
#include "scoring/steady_state.h"
#include "scoring/timeline_index.h"

namespace json = boost::json;

namespace firedrill {
namespace {

// Everything measured, before it is judged.
struct Measures {
  FaultMeasures faults;
  ExportsRead exports;
  Reconciliation reconciliation;
  Invariants invariants;
  RecoveryPoint recovery_point;
  Availability availability;
  RestoreMeasures restores;
};

// What makes the run itself unusable for a verdict: damage, failed preconditions, the harness's
// own errors, an interrupted run, a damaged run.json; and an abort.
void run_failures(const RunData& data, const TimelineIndex& t, Failures& f) {
  append(f.inconclusive, data.read_errors);
  for (const auto& p : t.preconditions_failed)
    f.inconclusive.push_back("precondition failed: " + p);
  for (const auto& e : t.harness_errors) f.inconclusive.push_back("harness error: " + e);
  if (t.abort_reason) f.aborted.push_back(*t.abort_reason);
  if (!t.ended)
    f.inconclusive.push_back(
        "the run did not finish (no end record): the controller was interrupted");
  append(f.inconclusive, run_json_problems(data.run));
}

std::vector<int64_t> sorted_t0s(const TimelineIndex& t) {
  std::vector<int64_t> t0s;
  for (const auto& [i, f] : t.faults) {
    if (f.t0_ns) t0s.push_back(*f.t0_ns);
  }
  std::sort(t0s.begin(), t0s.end());
  return t0s;
}

Measures measure(const RunData& data, const RunSpec& spec, TimelineIndex& t) {
  Measures m;
  const SteadyStateOverTime steady(t.completions, spec.steady_state);
  m.faults = measure_faults(spec, t, steady);
  m.exports = read_exports(data, spec.contract, t);
  m.reconciliation = reconcile(t, m.exports);
  m.invariants = check_invariants(m.exports, data.balances, spec.contract, t.names);
  m.recovery_point = recovery_point(m.reconciliation, sorted_t0s(t));
  m.availability = measure_availability(spec, t, recovery_times(m.faults));
  m.restores = measure_restores(t, m.recovery_point.rpo_ms);
  return m;
}

// The ledger's safety conditions other than the objectives' lost and duplicated payments.
void safety_failures(const Measures& m, std::vector<std::string>& safety) {
  const Reconciliation& r = m.reconciliation;
  const Invariants& inv = m.invariants;
  auto safety_if = [&](bool bad, const std::string& what) {
    if (bad) safety.push_back(what);
  };
  safety_if(r.failed_but_applied.count > 0,
            std::to_string(r.failed_but_applied.count) + " payments reported failed but applied");
  safety_if(r.unexpected.count > 0,
            std::to_string(r.unexpected.count) + " transfers never requested");
  safety_if(r.corrupted.count > 0,
            std::to_string(r.corrupted.count) + " transfers differ from their request");
  safety_if(!inv.money_conserved, "money not conserved");
  safety_if(inv.negative > 0, std::to_string(inv.negative) + " negative balances");
  safety_if(!inv.balances_match, "balances differ from the replay of the transfers");
  safety_if(!r.replicas_agree, "replicas disagree");
}

// The failures the measures and the objectives give, in report.json's order.
void judged_failures(const RunData& data, const Measures& m, const Objectives& o, Failures& f) {
  append(f.inconclusive, m.faults.inconclusive);
  if (data.exports.empty())
    f.inconclusive.push_back("no ledger export was read: nothing to reconcile");
  int64_t bad_lines = 0;
  for (const auto& [node, e] : m.exports.by_node) bad_lines += e->bad_lines;
  if (bad_lines > 0)
    f.inconclusive.push_back(std::to_string(bad_lines) + " unreadable export lines");
  append(f.inconclusive, m.exports.errors);
  append(f.safety, failures_of(o.payments));
  safety_failures(m, f.safety);
  append(f.safety, m.restores.refused_backups);
  append(f.objectives, failures_of(o.faults));
  append(f.objectives, failures_of(o.availability));
  append(f.objectives, m.restores.failed_restores);
  append(f.objectives, failures_of(o.restores));
}

json::array to_array(const std::vector<std::string>& list) {
  json::array out;
  for (const auto& s : list) out.push_back(json::value(s));
  return out;
}

json::object failures_json(const Failures& f) {
  return json::object{{"inconclusive", to_array(f.inconclusive)},
                      {"aborted", to_array(f.aborted)},
                      {"safety", to_array(f.safety)},
                      {"objectives", to_array(f.objectives)}};
}

json::object report_of(const RunData& data, const RunSpec& spec, TimelineIndex& t, Measures& m,
                       const Objectives& o, const Failures& failures) {
  const std::string verdict = verdict_of(failures);
  const json::object& scenario = json_read::object(data.run, "scenario");
  json::object report{
      {"schema", kReportSchema},
      {"verdict", verdict},
      {"exit_code", exit_code_of(verdict)},
      {"scenario", json::object{{"name", json_read::text(scenario, "name")},
                                {"digest", json_read::text(scenario, "digest")},
                                {"description", json_read::text(scenario, "description")}}},
      {"seed", json_read::value_or_null(data.run, "seed")},
      {"failures", failures_json(failures)},
      {"faults", faults_json(m.faults, spec, t)},
      {"alert_coverage", alert_coverage_json(t, m.faults)},
      {"reconciliation", reconciliation_json(m.reconciliation, m.invariants, m.recovery_point)},
      {"availability", std::move(m.availability.section)},
      {"objectives", objectives_table(o)},
      {"unexpected_exits", to_array(t.unexpected_exits)},
      {"restore", restore_json(m.restores, m.reconciliation)},
      {"restores", std::move(m.restores.restores)},
  };
  if (t.stop_condition) report["stop_condition"] = std::move(*t.stop_condition);
  return report;
}

json::object score_or_throw(const RunData& data) {
  TimelineIndex t = index_timeline(data);
  Failures failures;
  run_failures(data, t, failures);
  const RunSpec spec = read_run_spec(data.run);
  Measures m = measure(data, spec, t);
  const Objectives o = judge_objectives(spec.objectives, m.faults, m.reconciliation,
                                        m.availability.success_ratio, m.restores);
  judged_failures(data, m, o, failures);
  return report_of(data, spec, t, m, o, failures);
}

}  // namespace

json::object score(const RunData& data) {
  try {
    return score_or_throw(data);
  } catch (const std::exception& e) {
    // A checker that fails must never let a drill pass.
    return json::object{
        {"schema", kReportSchema},
        {"verdict", "inconclusive"},
        {"exit_code", 3},
        {"failures",
         json::object{
             {"inconclusive", json::array{json::value(std::string("checker error: ") + e.what())}},
             {"aborted", json::array{}},
             {"safety", json::array{}},
             {"objectives", json::array{}}}}};
  }
}

int exit_code_of(const std::string& verdict) {
  if (verdict == "pass") return 0;
  if (verdict == "objectives_missed") return 1;
  if (verdict == "safety_failure") return 2;
  if (verdict == "aborted") return 4;
  return 3;
}

}  // namespace firedrill
