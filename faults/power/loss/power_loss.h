// power.loss (target: a node, a dynamic role's holder, or a static role = every node with it,
// e.g. "role:ledger": the site loses power): what was written but not made durable is gone.
//   The node's volume is firedrill's durability-tracking filesystem (lab/durable/: the plan gives
//   it to every node a power.loss can reach; the others keep a plain tmpfs).
//   apply:  SIGKILL to each node (an expected exit), then, once every process is reaped, each
//     node's volume discards what was not durable (Place::cut_power): data written since the
//     file's last fsync/fdatasync, names made or removed since their directory's last fsync;
//     with `torn`, each file keeps a seeded number of leading sectors or pages of its newest write.
//     Verified when the discard is done. Evidence per node: the pid, the bytes and files lost, the
//     names undone, and the node's writes and fsyncs until then (bytes written before its first
//     fsync, the time since its last).
//   revert: when `duration` has passed (the power is back): every node is started again on what
//     survived. Verified when every node runs.
// Privileges: the lab's own mounts (FUSE as root, or in the lab's user namespace where the kernel
// allows it). Refused before the drill on a place without the volume (hosts over SSH).
#pragma once

#include "fault/fault_kinds.h"

namespace firedrill {

// power.loss's catalog entry, checks, resource, preflight and factory.
FaultKind power_loss_kind();

}  // namespace firedrill
