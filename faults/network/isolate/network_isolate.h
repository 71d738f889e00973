// network.isolate (target node): takes the node off the network entirely (Place::isolate_node;
// in the lab its link is set down through netlink), verified when a probe from the controller
// to the node fails; revert puts it back (link up, default route), verified when the node is
// reachable again. Revert of a link that is gone succeeds.
// Privileges: CAP_NET_ADMIN in the lab.
#pragma once

#include "fault/fault_kinds.h"

namespace firedrill {

// network.isolate's catalog entry, resource, preflight and factory.
FaultKind network_isolate_kind();

}  // namespace firedrill
