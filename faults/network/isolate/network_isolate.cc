// network.isolate; see network_isolate.h.
#include "network/isolate/network_isolate.h"

#include "place_change_fault.h"

namespace firedrill {

FaultKind network_isolate_kind() {
  FaultKindEntry entry{
      .name = "network.isolate",
      .summary = "take a node off the network entirely",
      .mechanism = "the node's link is set down through netlink",
      .verified_by = "a probe connection to the node fails",
      .reverted_by = "the link is set up again",
      .privileges = "CAP_NET_ADMIN in the lab",
      .needs_duration = true,
      .resource = "link",
  };
  auto make = [](const FaultSpec& spec, const std::string& node, FaultContext& context) {
    return make_place_change_fault(
        "network.isolate", spec, node, context,
        [node](Place& place, ChangeId change, PlaceDone done) { place.isolate_node(change, node, std::move(done)); },
        [](Place& place, ChangeId change, PlaceDone done) { place.reconnect_node(change, std::move(done)); });
  };
  return FaultKind{std::move(entry), make, {}};
}

}  // namespace firedrill
