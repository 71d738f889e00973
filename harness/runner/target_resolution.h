// Which node a fault acts on. A step's target is "node:N", a bare node name, "role:R" for a
// static role (the first node with it, or every node with it for a kind that takes a whole
// role, such as storage.loss) or "role:R" for a dynamic role, which the system is asked about
// when the fault is applied (the role's URL and JSON pointer in the system definition).
// Runs on the runner's io_context thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <optional>
#include <string>

#include "core/status.h"
#include "plan/plan.h"
#include "runner/render.h"
#include "scenario/scenario.h"

namespace firedrill {

using ResolveDone = std::function<void(Result<std::string>)>;

class TargetResolver {
 public:
  // `values` are the shared values of the launched system (LaunchedNodes::values); they are read
  // when a dynamic role is resolved, so they may be filled after construction.
  TargetResolver(boost::asio::io_context& io, const SystemDefinition& system, const Values& values);

  // "node:N" and bare names at once, "role:R" by the system's answer or the definition; then
  // `next` with the node or an error.
  void resolve(const std::string& target, ResolveDone next);
  // What a planned step's fault is made for: the nodes of a whole static role joined by ',', the
  // target unchanged for a kind whose parameters name its nodes, else the resolved node.
  void resolve_step(const PlannedStep& step, ResolveDone next);

 private:
  void ask_dynamic_role(const DynamicRole& role, const std::string& name, ResolveDone next);
  std::optional<std::string> whole_role(const PlannedStep& step) const;

  boost::asio::io_context& io_;
  const SystemDefinition& system_;
  const Values& values_;
};

}  // namespace firedrill
