// Stage ②: the plan, a pure function of a scenario and a seed. It fixes every step's time and
// draws all randomness (the workload's seed) up front, so the same scenario and seed always give
// the same plan (printed by `firedrill plan`, stored in the run directory).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/sha256.h"
#include "scenario/scenario.h"

namespace firedrill {

struct PlannedStep {
  enum class Action { apply, revert };
  Milliseconds at{0};  // since the start of the fault phase
  Action action = Action::apply;
  int fault_index = 0;
  std::string kind;
  std::string target;  // "node:N" or "role:R" (a role resolves when the step runs)
  std::string detail;  // the parameters, as "signal=SIGKILL restart_after=5s"
};

struct Plan {
  std::string scenario_name;
  std::string scenario_digest;  // SHA-256 of the scenario file's bytes, hex
  uint64_t seed = 0;
  uint64_t workload_seed = 0;   // drawn from `seed`
  Milliseconds baseline{0};
  Milliseconds fault_phase{0};
  Milliseconds convergence{0};
  std::vector<PlannedStep> steps;  // ordered by time; at equal times reverts come first
  // The nodes a clock.skew of the drill can reach, in definition order: only these run with the
  // clock shim preloaded; every other node runs with no preload at all (DESIGN.md §2).
  std::vector<std::string> clock_shim_nodes;
  // The nodes a power.loss fault can reach (reachable_nodes over FaultSpec::reaches_durability):
  // their volume is the durability-tracking filesystem; every other node's is a plain tmpfs.
  std::vector<std::string> durable_volume_nodes;
  // The nodes a disk.full of the plan can reach: a durability-tracking volume among them writes
  // through (lab/durable/durable_mount.h).
  std::vector<std::string> volume_fill_nodes;

  // The schedule for people (what `firedrill plan` prints).
  std::string text() const;
};

// The nodes a clock fault of `scenario` (a fault whose kind reaches clocks, FaultSpec::reaches_clock)
// can land on: a node target is that node, a static role
// every node with it, a dynamic role every node its definition says can hold it (held_by).
std::vector<std::string> clock_reachable_nodes(const Scenario& scenario);
// The same for the faults whose `flag` is set (e.g. &FaultSpec::reaches_durability).
std::vector<std::string> reachable_nodes(const Scenario& scenario, bool FaultSpec::*flag);

// Plans `scenario` with `seed` (the scenario's own seed when the caller passes none).
Plan make_plan(const Scenario& scenario, uint64_t seed);


}  // namespace firedrill
