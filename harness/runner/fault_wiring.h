// The one file of the runner that wires faults to where the nodes live: the lab's Place
// (harness/lab/lab_place.h) with what the runner lends it (the lab's network, volumes and clock
// pages, node actions), the FaultContext every fault gets (the Place and role lookup), how a
// kind's target is resolved, and what the faults of a scenario need of the place before anything
// starts. Faults are reached only through the registry of harness/fault/ (builtin_fault_kinds(),
// defined by the faults/ library the executable links); no runner file includes faults/.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "fault/fault.h"
#include "place/place.h"
#include "scenario/scenario.h"

namespace boost::asio {
class io_context;
}

namespace firedrill {


// Makes the faults of one drill. Owned by the runner; outlives every fault it made.
class FaultWiring {
 public:
  // `place` (the lab's, or the hosts') outlives the wiring.
  FaultWiring(boost::asio::io_context& io, Place& place);
  // How a fault resolves a target ("role:R", "node:N" or a bare node name) to a node, now.
  void set_resolve(std::function<void(const std::string& target, std::function<void(Result<std::string>)>)> resolve);
  // The fault of `spec` acting on `node` (its target already resolved).
  Result<std::unique_ptr<Fault>> make(const FaultSpec& spec, const std::string& node);
  // What the scenario's faults need of the place, checked before anything starts (each kind's
  // preflight: network.delay and network.loss need the kernel's netem).
  Status preflight(const Scenario& scenario) const;

 private:
  Place& place_;
  FaultContext context_;
};

// How a kind's target becomes what make() is given.
struct FaultTargeting {
  bool needs_target = true;        // false: the parameters name the nodes (network.partition)
  bool whole_static_role = false;  // true: "role:R" means every node with R, joined by ','
};
FaultTargeting targeting_of(const std::string& kind);

// The clock shim's side of a node: its control page, made before the node starts, and the
// environment variable that tells the shim where the page is.
Status create_clock_control(const std::string& path);
const char* clock_control_variable();

}  // namespace firedrill
