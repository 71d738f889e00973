// network.bandwidth; see network_bandwidth.h.
#include "network/bandwidth/network_bandwidth.h"

#include "network/link_shape_fault.h"

namespace firedrill {

FaultKind network_bandwidth_kind() {
  FaultKindEntry entry{
      .name = "network.bandwidth",
      .summary = "squeeze a node's bandwidth (e.g. replication traffic)",
      .mechanism = "a TBF qdisc on the node's link through netlink",
      .verified_by = "the qdisc is listed on the link",
      .reverted_by = "the qdisc is removed",
      .privileges = "CAP_NET_ADMIN in the lab",
      .needs_duration = true,
      .parameters = {{"rate", FaultParameterType::bandwidth, true, "", "the rate, e.g. \"1mbit\" or \"512kbit\""}},
  };
  return link_shape_kind(std::move(entry), LinkShape::Kind::bandwidth);
}

}  // namespace firedrill
