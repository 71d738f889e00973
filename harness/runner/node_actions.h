// Running a node's action ([node.actions] of the system definition) for a fault: rendered like
// the node's command, in the node's environment, network namespace and working directory, its
// output appended to logs/<node>.<action>.out/.err. Its start and end go on the timeline
// (source "action"), the end with the exit status, the duration and the JSON report the action
// printed last, if any. Runs on the runner's io_context thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>

#include "runner/fault_wiring.h"
#include "runner/node_launch.h"
#include "runner/run_paths.h"
#include "scenario/scenario.h"

namespace firedrill {

class Console;
class Supervisor;
class Timeline;

// What the actions work with; everything outlives them.
struct NodeActionParts {
  boost::asio::io_context& io;
  Timeline& timeline;
  Console& console;
  // Runs a rendered action to completion (the lab's supervisor, or the node's host).
  std::function<void(const ProcessSpec&, std::chrono::milliseconds, std::function<void(const TaskResult&)>)> run_task;
  const SystemDefinition& system;
  const LaunchedNodes& launched;  // the nodes' specs and values, filled once they started
  RunPaths paths;
};

class NodeActions {
 public:
  explicit NodeActions(NodeActionParts parts) : parts_(std::move(parts)) {}

  // Runs the action to completion (its own deadline, the node's action_timeout), then calls
  // `done` on the io_context, also when it could not start.
  void run(const ActionRequest& request, std::function<void(ActionOutcome)> done);

 private:
  void fail_now(const ActionRequest& request, const std::string& error, std::function<void(ActionOutcome)> done);
  void on_end(const ActionRequest& request, const ProcessSpec& spec, int64_t started_ns, std::uintmax_t stdout_offset,
              const TaskResult& result, std::function<void(ActionOutcome)> done);

  NodeActionParts parts_;
};

}  // namespace firedrill
