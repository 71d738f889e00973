// process.pause: SIGSTOP to the node's processes (a long GC pause, a hung VM), verified when the
// node's state letter is T; revert: SIGCONT, verified when it no longer is. Revert of a vanished
// process succeeds.
// Privileges: none beyond running the drill (the controller owns the node's processes).
#pragma once

#include "fault/fault_kinds.h"

namespace firedrill {

// process.pause's catalog entry, resource and factory.
FaultKind process_pause_kind();

}  // namespace firedrill
