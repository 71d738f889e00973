// Storage faults: storage.loss (the disk is gone, then restored from the system's backups) and
// backup.corrupt (bit rot in the backup store), DESIGN.md §2 "storage loss".
//
// storage.loss  (target: a node, a dynamic role's holder, or a static role = every node with it,
//     e.g. "role:ledger": the site is lost)
//   Privileges: signalling the nodes (the controller started them) and write access to their
//     volumes (the lab's own tmpfs mounts).
//   apply:  SIGKILL to each node (an expected exit), then everything in each node's volume is
//     removed (Volumes::empty). Verified when every process is reaped and every volume is empty.
//     Evidence: per node the pid and the entries removed.
//   revert: when `duration` has passed. Each node's `restore` action ([node.actions]) runs, all
//     nodes at once, each to completion within the node's action_timeout; the runner records
//     each start and end on the timeline (source "action", purpose "restore") with the action's
//     JSON report (refpay-restore prints one). Then every node is started again, whatever its
//     restore did: a refused restore (a damaged backup) leaves the volume empty and the node
//     comes back empty, which is what an operator without a backup faces — the drill scores it.
//     `restore = "none"` skips the action: the system must re-sync the node itself (a standby
//     from its primary). Verified when every node runs. Idempotent: a node already running is
//     left alone.
//
// backup.corrupt  (target: a node)
//   Privileges: write access to the drill's backup store (run_dir/backup-store, the controller's).
//   apply:  the newest regular file in the node's backup directory ({backup_dir}) whose name
//     matches the glob `pattern` (waiting up to the step deadline for one to appear) gets the
//     byte at its middle inverted (pwrite + fsync). Verified when the byte reads back inverted.
//     Evidence: the file's path, offset, bytes, the byte before and after.
//   revert: the original byte is written back, if the file is still there and the byte is still
//     the inverted one (the system may have replaced or deleted the file). Idempotent.
#pragma once

#include <memory>
#include <string>

#include "fault.h"

namespace firedrill {

// `node` is one node name, or several joined by ',' (a static-role target, see above).
std::unique_ptr<Fault> make_storage_loss(const FaultSpec& spec, const std::string& node,
                                         FaultContext& context);
std::unique_ptr<Fault> make_backup_corrupt(const FaultSpec& spec, const std::string& node,
                                           FaultContext& context);

}  // namespace firedrill
