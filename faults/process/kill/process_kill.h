// process.kill: sends a signal (default SIGKILL) to the node's processes, verified when the
// place has reaped them; revert starts the node again as it was launched (a service manager's
// restart), after `while_stopped` (a node action, e.g. a cold backup) if given, verified when
// it runs. Revert of a running node is a no-op.
// Privileges: none beyond running the drill (the controller owns the node's processes).
#pragma once

#include "fault/fault_kinds.h"

namespace firedrill {

// process.kill's catalog entry, checks, resource and factory.
FaultKind process_kill_kind();

}  // namespace firedrill
