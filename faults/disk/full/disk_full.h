// disk.full (target node, `percent`, default 100): fills the node's data volume (Place::fill_volume;
// in the lab a ballast file in its tmpfs), verified at 100 % by a write getting ENOSPC, below by
// the volume's use; revert gives the space back (the ballast deleted), verified by the free space
// and a write that succeeds. Idempotent: no ballast, or no volume, is a success.
// Privileges: write access to the node's volume (the lab's own mount).
#pragma once

#include "fault/fault_kinds.h"

namespace firedrill {

// disk.full's catalog entry, resource, preflight and factory.
FaultKind disk_full_kind();

}  // namespace firedrill
