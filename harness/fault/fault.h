// A fault: a small class with a stable kind name, apply() and revert() (STYLE.md habits 1-2).
//
// Both steps are asynchronous because "done" means *verified*: apply() reports success only once
// the effect is observed (the process reaped, the state letter T, ...), with the observation as
// evidence for the timeline; that instant is the fault's T0. revert() is idempotent, succeeds
// when the target is already gone, and is registered by the runner before apply() is called.
// Each step has its own deadline; past it the step fails with an error, never silently.
//
// A fault acts only through the Place (harness/place/place.h): it never asks which place it is
// talking to, so the same kind runs in the lab and, later, on remote hosts.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "place/place.h"
#include "scenario/scenario.h"

namespace boost::asio {
class io_context;
}

namespace firedrill {

// The outcome of one step: Status plus what was observed (node, pid, state, ...).
using FaultDone = std::function<void(Status status, boost::json::object evidence)>;

// What a fault may use. Owned by the runner; outlives every fault.
struct FaultContext {
  boost::asio::io_context& io;
  // Where the nodes live; every effect goes through it.
  Place& place;
  // Each apply and revert step's deadline.
  std::chrono::milliseconds step_deadline{5'000};
  // Resolves "role:NAME" (or "node:NAME", or a bare node name) to a node now, asynchronously;
  // for the members of a kind that names several nodes (network.partition).
  std::function<void(const std::string& target, std::function<void(Result<std::string>)>)> resolve;
};

class Fault {
 public:
  virtual ~Fault() = default;
  // The name written in the scenario ("process.kill").
  virtual const std::string& kind() const = 0;
  // The node the fault acts on (resolved before apply).
  virtual const std::string& node() const = 0;
  virtual void apply(FaultDone done) = 0;
  virtual void revert(FaultDone done) = 0;
};

}  // namespace firedrill
