// Waiting for a fault's effect to be observed: checks a condition every 100 µs on the
// controller's io_context until it holds or the step deadline passes. Shared by the faults whose
// verification is "look again until it is so" (a process reaped, a state letter, a restart).
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <string>
#include <vector>

#include "fault.h"

namespace firedrill {

// Calls `done(ok, evidence())` once `observed()` holds, or `done(error naming `what`,
// evidence())` when context.step_deadline passes first. `observed` is checked at once, then
// every 100 µs.
void poll_until(FaultContext& context, std::function<bool()> observed, std::string what,
                std::function<boost::json::object()> evidence, FaultDone done);

// Starts every node of `nodes` again with its last spec (the revert of process.kill and
// storage.loss) and reports once all of them run, as poll_until does; `what` names the step in
// errors ("process.kill revert: node ledger-1").
void restart_nodes(FaultContext& context, std::vector<std::string> nodes, const std::string& what,
                   std::function<boost::json::object()> evidence, FaultDone done);

}  // namespace firedrill
