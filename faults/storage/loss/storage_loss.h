// storage.loss (target: a node, a dynamic role's holder, or a static role = every node with it,
// e.g. "role:ledger": the site is lost): the disk is gone, then restored from the system's backups.
//   apply:  SIGKILL to each node (an expected exit), then everything on each node's volume is
//     removed (Place::empty_volume). Verified when every process is reaped and every volume is
//     empty. Evidence: per node the pid and the entries removed.
//   revert: when `duration` has passed. Each node's `restore` action ([node.actions]) runs, all
//     nodes at once, each to completion within the node's action_timeout (the runner records each
//     start and end on the timeline: source "action", purpose "restore"). Then every node is
//     started again, whatever its restore did: a refused restore (a damaged backup) leaves the
//     volume empty and the node comes back empty, which is what an operator without a backup
//     faces — the drill scores it. `restore = "none"` skips the action: the system must re-sync
//     the node itself. Verified when every node runs. A node already running is left alone.
// Privileges: signalling the nodes and write access to their volumes (the lab's own mounts).
#pragma once

#include "fault/fault_kinds.h"

namespace firedrill {

// storage.loss's catalog entry, checks, resource and factory.
FaultKind storage_loss_kind();

}  // namespace firedrill
