// run.json into types; see run_spec.h.
#include "scoring/run_spec.h"

#include "core/json_read.h"
#include "rundir/run_record.h"
#include "scenario/scenario.h"

namespace json = boost::json;

namespace firedrill {
namespace {

ObjectiveTargets read_objectives(const json::object& o) {
  ObjectiveTargets t;
  t.detect_within_ms = json_read::optional_integer(o, "detect_within_ms");
  t.recover_within_ms = json_read::optional_integer(o, "recover_within_ms");
  t.mtbf_ms = json_read::optional_integer(o, "mtbf_ms");
  t.restore_within_ms = json_read::optional_integer(o, "restore_within_ms");
  t.rpo_within_ms = json_read::optional_integer(o, "rpo_within_ms");
  t.lost_payments_max = json_read::optional_integer(o, "lost_payments_max").value_or(0);
  t.duplicated_payments_max = json_read::optional_integer(o, "duplicated_payments_max").value_or(0);
  if (const json::value* min = json_read::field(o, "availability_min"); min && min->is_number())
    t.availability_min = *min;
  return t;
}

ContractFields read_contract(const json::object& run) {
  const json::object& contract = json_read::object(run, "contract");
  ContractFields c;
  c.key = json_read::text(contract, "key_field");
  c.from = json_read::text(contract, "from_field");
  c.to = json_read::text(contract, "to_field");
  c.amount = json_read::text(contract, "amount_field");
  c.account_pattern = json_read::text(contract, "account_pattern");
  c.initial_balance = json_read::integer(contract, "initial_balance");
  c.accounts = json_read::integer(json_read::object(run, "workload"), "accounts");
  return c;
}

}  // namespace

SteadyStateSettings read_steady_state(const json::object& ss) {
  const SteadyStateSpec defaults;
  SteadyStateSettings s;
  s.thresholds.success_ratio_min =
      json_read::number(ss, "success_ratio_min", defaults.success_ratio_min);
  if (auto v = json_read::optional_integer(ss, "latency_p99_max_ms"))
    s.thresholds.latency_p99_max_ns = *v * kNsPerMs;
  s.window_ms = json_read::integer(ss, "window_ms", defaults.window.count());
  s.window_ns = s.window_ms * kNsPerMs;
  s.hold_ns = json_read::integer(ss, "hold_ms", defaults.hold.count()) * kNsPerMs;
  s.probe_interval_ms =
      json_read::integer(ss, "probe_interval_ms", defaults.probe_interval.count());
  return s;
}

RunSpec read_run_spec(const json::object& run) {
  RunSpec spec;
  spec.objectives = read_objectives(json_read::object(run, "objectives"));
  spec.steady_state = read_steady_state(json_read::object(run, "steady_state"));
  const json::object& detection = json_read::object(run, "detection");
  for (const auto& v : json_read::array(detection, "alerts"))
    spec.detection_alerts.insert(std::string(v.as_string()));
  spec.detection_any_alert = json_read::flag(detection, "prometheus") && spec.detection_alerts.empty();
  for (const auto& v : json_read::array(detection, "log_patterns")) {
    spec.detection_patterns.insert(json_read::text(v.as_object(), "pattern"));
  }
  spec.probe_failures =
      json_read::integer(detection, "probe_failures", DetectionSpec{}.probe_failures);
  spec.contract = read_contract(run);
  for (const auto& n : json_read::array(run, "nodes"))
    spec.nodes.push_back(json_read::text(n.as_object(), "name"));
  return spec;
}

std::vector<std::string> run_json_problems(const json::object& run) {
  std::vector<std::string> problems;
  if (std::string(run.contains("schema") ? run.at("schema").as_string() : "") != kRunRecordSchema) {
    problems.push_back("run.json missing or of an unknown schema");
  }
  for (const char* section : {"objectives", "steady_state", "detection", "workload", "contract"}) {
    const json::value* v = json_read::field(run, section);
    if (!v || !v->is_object())
      problems.push_back(std::string("run.json: ") + section + " missing or not an object");
  }
  return problems;
}

}  // namespace firedrill
