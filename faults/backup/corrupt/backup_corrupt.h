// backup.corrupt (target node, `pattern`): flips one byte in the middle of the newest file of the
// node's backups matching `pattern` (bit rot in the backup store; Place::corrupt_backup), waiting
// up to the step deadline for one; verified when the byte reads back inverted. Revert puts the
// byte back at the heal if the file is still there and unchanged (nothing is left behind).
// Privileges: write access to the drill's backup store.
#pragma once

#include "fault/fault_kinds.h"

namespace firedrill {

// backup.corrupt's catalog entry, resource, preflight and factory.
FaultKind backup_corrupt_kind();

}  // namespace firedrill
