// network.bandwidth (target node, `rate` in bits/s): limits the node's link both ways
// (Place::shape_link; in the lab a TBF qdisc on the node's eth0 and on its host-side veth),
// verified by reading the limit back; revert removes exactly that limit, verified by its absence.
// Privileges: CAP_NET_ADMIN in the lab.
#pragma once

#include "fault/fault_kinds.h"

namespace firedrill {

// network.bandwidth's catalog entry, resource, preflight and factory.
FaultKind network_bandwidth_kind();

}  // namespace firedrill
