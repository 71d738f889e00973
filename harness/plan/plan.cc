// The planner; see plan.h.
#include "plan/plan.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

namespace firedrill {
namespace {

// SplitMix64: a good, tiny, well-known mixer to derive independent seeds from one seed.
uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string describe(const FaultSpec& f) {
  std::string out;
  if (f.duration) out += "duration=" + format_duration(*f.duration);
  for (const auto& [name, value] : f.parameters) {
    out += (out.empty() ? "" : " ") + name + "=" + parameter_text(value);
  }
  return out;
}

}  // namespace

std::vector<std::string> clock_reachable_nodes(const Scenario& scenario) {
  return reachable_nodes(scenario, &FaultSpec::reaches_clock);
}

std::vector<std::string> reachable_nodes(const Scenario& scenario, bool FaultSpec::*flag) {
  std::set<std::string> reachable;
  for (const FaultSpec& f : scenario.faults) {
    if (!(f.*flag)) continue;
    if (f.target.rfind("role:", 0) != 0) {
      reachable.insert(f.target.rfind("node:", 0) == 0 ? f.target.substr(5) : f.target);
      continue;
    }
    const std::string role = f.target.substr(5);
    for (const NodeDefinition* n : scenario.system.nodes_with_role(role)) reachable.insert(n->name);
    if (const DynamicRole* dynamic = scenario.system.find_dynamic_role(role)) {
      reachable.insert(dynamic->held_by.begin(), dynamic->held_by.end());
    }
  }
  std::vector<std::string> ordered;
  for (const NodeDefinition& n : scenario.system.nodes) {
    if (reachable.count(n.name)) ordered.push_back(n.name);
  }
  return ordered;
}

Plan make_plan(const Scenario& scenario, uint64_t seed) {
  Plan plan;
  plan.scenario_name = scenario.drill.name;
  plan.scenario_digest = sha256_hex(scenario.text);
  plan.seed = seed;
  plan.workload_seed = splitmix64(seed);
  plan.baseline = scenario.drill.baseline;
  plan.fault_phase = scenario.drill.duration;
  plan.convergence = scenario.drill.convergence;
  plan.clock_shim_nodes = clock_reachable_nodes(scenario);
  plan.durable_volume_nodes = reachable_nodes(scenario, &FaultSpec::reaches_durability);
  plan.volume_fill_nodes = reachable_nodes(scenario, &FaultSpec::fills_volume);
  for (const FaultSpec& f : scenario.faults) {
    PlannedStep apply{f.at, PlannedStep::Action::apply, f.index, f.kind, f.target, describe(f)};
    plan.steps.push_back(apply);
    // The revert: the end of a timed fault, a kill's restart, or the heal at the end of the
    // fault phase (a node killed without restart_after is restarted there).
    Milliseconds end = scenario.drill.duration;
    std::string how = "heal";
    if (f.duration) {
      end = f.at + *f.duration;
      how = "end of duration";
    } else if (auto it = f.parameters.find("restart_after"); it != f.parameters.end()) {
      end = f.at + std::get<Milliseconds>(it->second);
      how = "restart";
    }
    plan.steps.push_back(PlannedStep{std::min(end, scenario.drill.duration),
                                     PlannedStep::Action::revert, f.index, f.kind, f.target, how});
  }
  std::stable_sort(plan.steps.begin(), plan.steps.end(), [](const PlannedStep& a, const PlannedStep& b) {
    if (a.at != b.at) return a.at < b.at;
    if (a.action != b.action) return a.action == PlannedStep::Action::revert;
    return a.action == PlannedStep::Action::revert ? a.fault_index > b.fault_index
                                                   : a.fault_index < b.fault_index;
  });
  return plan;
}

std::string Plan::text() const {
  std::ostringstream out;
  char seed_hex[32];
  std::snprintf(seed_hex, sizeof seed_hex, "%016llx", static_cast<unsigned long long>(workload_seed));
  out << "plan: " << scenario_name << "\n"
      << "  scenario sha256 " << scenario_digest << "\n"
      << "  seed " << seed << " (workload seed " << seed_hex << ")\n"
      << "  baseline     " << format_duration(baseline) << "\n"
      << "  fault phase  " << format_duration(fault_phase) << "\n";
  for (const PlannedStep& s : steps) {
    out << "    +" << format_duration(s.at) << "\t"
        << (s.action == PlannedStep::Action::apply ? "apply " : "revert") << "  fault[" << s.fault_index
        << "] " << s.kind << " " << s.target;
    if (!s.detail.empty()) out << "  " << s.detail;
    out << "\n";
  }
  out << "  convergence  " << format_duration(convergence) << "\n";
  out << "  clock shim   ";
  if (clock_shim_nodes.empty()) out << "none (no clock fault: every node runs unchanged)";
  for (std::size_t i = 0; i < clock_shim_nodes.size(); ++i) out << (i ? ", " : "") << clock_shim_nodes[i];
  out << "\n";
  if (!durable_volume_nodes.empty()) {
    out << "  durable fs   ";
    for (std::size_t i = 0; i < durable_volume_nodes.size(); ++i) out << (i ? ", " : "") << durable_volume_nodes[i];
    out << " (power.loss: the durability-tracking volume)\n";
  }
  return out.str();
}

}  // namespace firedrill
