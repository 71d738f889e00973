// network.bandwidth; see network_bandwidth.h.
#include "network/bandwidth/network_bandwidth.h"

#include "network/link_shape_fault.h"
#include "place_change_fault.h"

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
      .needs_target = true,
      .whole_static_role = false,
      .resource = "qdisc",
      .reaches_clock = false,
      .check = {},
  };
  auto shape_of = [](const FaultSpec& spec) {
    LinkShape shape;
    shape.kind = LinkShape::Kind::bandwidth;
    shape.rate_bits_per_s = parameter_or<int64_t>(spec, "rate", 0);
    return shape;
  };
  return FaultKind{std::move(entry), link_shape_factory("network.bandwidth", shape_of), {}};
}

}  // namespace firedrill
