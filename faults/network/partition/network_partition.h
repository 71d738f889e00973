// network.partition (no single target): `groups`, two or more disjoint groups cut from each
// other both ways; or `from` / `to`, one way. Members are node names, "client" (the controller,
// where the workload runs) or "role:NAME", resolved when the fault is applied. The cut itself,
// its verification (a probe across it fails) and its exact removal are the place's
// (Place::cut_links / restore_links; in the lab: blackhole routes through netlink).
// Privileges: CAP_NET_ADMIN in the lab (root, or the lab's user namespace).
#pragma once

#include "fault/fault_kinds.h"

namespace firedrill {

// network.partition's catalog entry, checks and factory.
FaultKind network_partition_kind();

}  // namespace firedrill
