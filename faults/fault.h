// A fault: a small class with a stable kind name, apply() and revert() (STYLE.md habits 1-2).
//
// Both steps are asynchronous because "done" means *verified*: apply() reports success only once
// the effect is observed (the process reaped, the state letter T, ...), with the observation as
// evidence for the timeline; that instant is the fault's T0. revert() is idempotent, succeeds
// when the target is already gone, and is registered by the runner before apply() is called.
// Each step has its own deadline; past it the step fails with an error, never silently.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"
#include "scenario/scenario.h"

namespace boost::asio {
class io_context;
}

namespace firedrill {

class LabNetwork;
class Supervisor;
class Volumes;

// The outcome of one step: Status plus what was observed (node, pid, state, ...).
using FaultDone = std::function<void(Status status, boost::json::object evidence)>;

// A node action ([node.actions] of the system definition) a fault asks the runner to run.
struct ActionRequest {
  int fault = 0;         // the asking fault's index, for the timeline
  std::string node;
  std::string action;    // e.g. "restore", "cold_backup"
  std::string purpose;   // why: "restore" (storage.loss), "while_stopped" (process.kill)
};

// How an action ended. The runner recorded its start and end on the timeline (source "action").
struct ActionOutcome {
  bool succeeded = false;      // ran and exited 0
  std::string error;           // could not start, unknown action, exit status, timeout
  int exit_code = -1;
  boost::json::value output;   // the last line of its stdout when that line is JSON; else null
  int64_t duration_ns = 0;
};

// What a fault may touch. Owned by the runner; outlives every fault. The lab's parts are set
// once the lab is up, before any fault is made.
struct FaultContext {
  boost::asio::io_context& io;
  Supervisor& supervisor;
  std::chrono::milliseconds step_deadline{5'000};
  // network.*: the lab's network (node namespaces, addresses; "client" is the controller).
  const LabNetwork* network = nullptr;
  // disk.full: the nodes' tmpfs volumes.
  Volumes* volumes = nullptr;
  // clock.skew: the node's clock control page (empty: the node runs without the clock shim,
  // which no clock fault of the plan could reach), and the shim's canonical path (the witness
  // preloads it; /proc/PID/maps shows it in a node that loads it).
  std::function<std::string(const std::string& node)> clock_control;
  std::string clock_shim;
  // Resolves "role:NAME" (or a node name) to a node now, asynchronously; for group members.
  std::function<void(const std::string& target, std::function<void(Result<std::string>)>)> resolve;
  // storage.loss, process.kill: runs a node action to completion (its own deadline, the node's
  // action_timeout), then calls back on the io_context.
  std::function<void(const ActionRequest&, std::function<void(ActionOutcome)>)> run_action;
  // backup.corrupt: the node's directory in the drill's backup store ({backup_dir}).
  std::function<std::string(const std::string& node)> backup_dir;
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

// Makes the fault of `spec` acting on `node` (its target already resolved), or an error for a
// kind this build does not implement.
Result<std::unique_ptr<Fault>> make_fault(const FaultSpec& spec, const std::string& node,
                                          FaultContext& context);

}  // namespace firedrill
