// What the faults that take a node's machine away share (storage.loss, power.loss): its nodes, as
// the runner resolves a whole static role ("ledger-1,ledger-2,ledger-3"), and their death before
// anything is done to their volumes (emptying or cutting a volume under a live writer would race
// it).
#pragma once

#include <boost/json/array.hpp>
#include <functional>
#include <string>
#include <vector>

#include "fault/fault.h"

namespace firedrill {

// The nodes of a fault's node string ("a,b,c"), in order.
std::vector<std::string> split_nodes(const std::string& joined);

// SIGKILLs each node that runs (an expected exit), then waits until every one is reaped. `done`
// gets ok once all are, with [{node, pid}] (pid 0: it was not running); else the error of the
// step that failed, with what was killed so far.
void kill_nodes(Place& place, const std::vector<std::string>& nodes,
                std::function<void(Status status, boost::json::array killed)> done);

}  // namespace firedrill
