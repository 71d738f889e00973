// network.delay (target node, `delay`): adds a fixed latency to the node's egress (netem, where
// the running kernel has it: the preflight refuses the scenario before anything starts
// otherwise); verified by reading the qdisc back; revert removes it.
// Privileges: CAP_NET_ADMIN in the lab; CONFIG_NET_SCH_NETEM.
#pragma once

#include "fault/fault_kinds.h"

namespace firedrill {

// network.delay's catalog entry, resource, preflight and factory.
FaultKind network_delay_kind();

}  // namespace firedrill
