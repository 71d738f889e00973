// run.json; see run_record.h.
#include "rundir/run_record.h"

namespace json = boost::json;

namespace firedrill {
namespace {

json::value optional_ms(const std::optional<Milliseconds>& value) {
  return value ? json::value(value->count()) : json::value(nullptr);
}

}  // namespace

json::object make_run_record(const Scenario& s, const Plan& plan) {
  json::array alerts;
  for (const auto& a : s.detection.alerts) alerts.push_back(json::value(a));
  json::array logs;
  for (const auto& l : s.detection.log_patterns) logs.push_back(json::object{{"node", l.node}, {"pattern", l.pattern}});
  json::array faults;
  for (const auto& f : s.faults) {
    faults.push_back(json::object{{"index", f.index}, {"kind", f.kind}, {"target", f.target},
                                  {"at_ms", f.at.count()}, {"duration_ms", optional_ms(f.duration)}});
  }
  json::array nodes;
  for (const auto& n : s.system.nodes) {
    nodes.push_back(json::object{{"name", n.name}, {"export", !n.export_url.empty()},
                                 {"balances", !n.balances_url.empty()}});
  }
  const PaymentContract& c = s.system.payments;
  return json::object{
      {"schema", kRunRecordSchema},
      {"scenario", json::object{{"name", s.drill.name}, {"description", s.drill.description},
                                {"digest", plan.scenario_digest}, {"system", s.system.name}}},
      {"seed", plan.seed},
      {"objectives", json::object{{"detect_within_ms", optional_ms(s.objectives.detect_within)},
                                  {"recover_within_ms", optional_ms(s.objectives.recover_within)},
                                  {"lost_payments_max", s.objectives.lost_payments_max
                                                            ? json::value(*s.objectives.lost_payments_max)
                                                            : json::value(nullptr)},
                                  {"duplicated_payments_max", s.objectives.duplicated_payments_max
                                                                  ? json::value(*s.objectives.duplicated_payments_max)
                                                                  : json::value(nullptr)},
                                  {"availability_min", s.objectives.availability_min
                                                           ? json::value(*s.objectives.availability_min)
                                                           : json::value(nullptr)},
                                  {"mtbf_ms", optional_ms(s.objectives.mtbf)},
                                  {"restore_within_ms", optional_ms(s.objectives.restore_within)},
                                  {"rpo_within_ms", optional_ms(s.objectives.rpo_within)}}},
      {"steady_state", json::object{{"success_ratio_min", s.steady_state.success_ratio_min},
                                    {"latency_p99_max_ms", optional_ms(s.steady_state.latency_p99_max)},
                                    {"window_ms", s.steady_state.window.count()},
                                    {"hold_ms", s.steady_state.hold.count()},
                                    {"probe_interval_ms", s.steady_state.probe_interval.count()}}},
      {"detection", json::object{{"prometheus", s.detection.prometheus},
                                 {"alerts", std::move(alerts)}, {"log_patterns", std::move(logs)},
                                 {"probe_failures", s.detection.probe_failures}}},
      {"workload", json::object{{"accounts", s.workload.accounts}, {"amount_max", s.workload.amount_max},
                                {"rate_per_s", s.workload.rate_per_s}, {"timeout_ms", s.workload.timeout.count()},
                                {"retries", s.workload.retries}}},
      {"contract", json::object{{"account_pattern", c.account_pattern}, {"initial_balance", c.initial_balance},
                                {"key_field", c.key_field}, {"from_field", c.from_field},
                                {"to_field", c.to_field}, {"amount_field", c.amount_field}}},
      {"phases", json::object{{"baseline_ms", plan.baseline.count()}, {"fault_phase_ms", plan.fault_phase.count()},
                              {"convergence_ms", plan.convergence.count()}}},
      {"nodes", std::move(nodes)},
      {"faults", std::move(faults)},
      {"stop", json::object{{"error_ratio_max", s.stop.error_ratio_max ? json::value(*s.stop.error_ratio_max)
                                                                        : json::value(nullptr)},
                            {"error_ratio_for_ms", optional_ms(s.stop.error_ratio_for)},
                            {"no_progress_for_ms", optional_ms(s.stop.no_progress_for)}}},
  };
}

}  // namespace firedrill
