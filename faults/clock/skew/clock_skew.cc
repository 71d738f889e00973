// clock.skew; see clock_skew.h.
#include "clock/skew/clock_skew.h"

#include "place_change_fault.h"

namespace firedrill {
namespace {

// An attached node on a host (one firedrill did not start, so not with the clock shim) can only
// have its clock moved with its whole host's, which its definition must allow explicitly.
void check(const FaultCheck& c) {
  const SystemDefinition& system = c.scenario.system;
  std::vector<const NodeDefinition*> reachable;
  const std::string& target = c.fault.target;
  if (target.rfind("role:", 0) != 0) {
    if (const NodeDefinition* n = system.find_node(target.rfind("node:", 0) == 0 ? target.substr(5) : target)) {
      reachable.push_back(n);
    }
  } else {
    const std::string role = target.substr(5);
    reachable = system.nodes_with_role(role);
    if (const DynamicRole* dynamic = system.find_dynamic_role(role)) {
      for (const auto& name : dynamic->held_by) {
        if (const NodeDefinition* n = system.find_node(name)) reachable.push_back(n);
      }
    }
  }
  for (const NodeDefinition* n : reachable) {
    if (n->attached() && !n->allow_host_clock) {
      return c.error("target", "can reach node " + n->name + ", which is attached (firedrill did not start it, so it "
                               "runs without the clock shim); moving its clock means moving its host's, which its "
                               "definition must allow with allow_host_clock = true");
    }
  }
}

}  // namespace

FaultKind clock_skew_kind() {
  auto setting = [](const FaultSpec& spec) {
    return ClockSetting{parameter_or<Milliseconds>(spec, "offset", Milliseconds(0)),
                        parameter_or<double>(spec, "rate", 1.0)};
  };
  return fault_kind(
      {"clock.skew", "move a node's wall clock (monotonic time is untouched)",
       "the node's clock control page gets the offset (and rate); firedrill's clock shim, preloaded only into the "
       "nodes a clock fault can reach, shows it to every clock read",
       "every process of the node has the clock shim mapped (/proc/PID/maps) and a witness reading through the "
       "shim and the node's page shows the skewed time; a node that does not load the shim is refused",
       "the control page is reset to no offset, normal speed",
       "reading the node's /proc/PID/maps; the node must be a dynamically linked program that keeps LD_PRELOAD "
       "(not Go, not statically linked)"},
      {.needs_duration = true,
       .parameters = {{"offset", FaultParameterType::offset, true, "", "e.g. \"+10m\" or \"-90s\""},
                      {"rate", FaultParameterType::number, false, "", "clock speed factor, e.g. 1.5 (absent: 1)"}},
       .resource = "clock",
       .reaches_clock = true,
       .check = check},
      place_change_factory(&Place::move_clock, setting, &Place::reset_clock));
}

}  // namespace firedrill
