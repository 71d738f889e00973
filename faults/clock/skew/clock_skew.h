// clock.skew (target node, `offset`, optional `rate`): moves the node's wall clock; monotonic
// time stays real (Place::move_clock; in the lab the clock shim, preloaded only into the nodes a
// clock fault can reach, reads the node's control page: harness/lab/clock/README.md). Verified by
// a read through the node's clock showing the offset; a node the shim does not reach is refused.
// Revert: real time again, verified the same way.
// Privileges: reading the node's /proc/PID/maps; the node must keep LD_PRELOAD.
#pragma once

#include "fault/fault_kinds.h"

namespace firedrill {

// clock.skew's catalog entry, resource, preflight and factory.
FaultKind clock_skew_kind();

}  // namespace firedrill
