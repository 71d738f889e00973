// network.isolate; see network_isolate.h.
#include "network/isolate/network_isolate.h"

#include "place_change_fault.h"

namespace firedrill {

FaultKind network_isolate_kind() {
  return fault_kind({"network.isolate", "take a node off the network entirely",
                     "the node's link is set down through netlink", "a probe connection to the node fails",
                     "the link is set up again", "CAP_NET_ADMIN in the lab"},
                    {.needs_duration = true, .resource = "link"},
                    place_change_factory(&Place::isolate_node, &Place::reconnect_node));
}

}  // namespace firedrill
