// network.bandwidth; see network_bandwidth.h.
#include "network/bandwidth/network_bandwidth.h"

#include "network/link_shape_fault.h"

namespace firedrill {

FaultKind network_bandwidth_kind() {
  return link_shape_kind({LinkShape::Kind::bandwidth, "network.bandwidth",
                          "squeeze a node's bandwidth (e.g. replication traffic)",
                          {"rate", FaultParameterType::bandwidth, true, "", "the rate, e.g. \"1mbit\" or \"512kbit\""}});
}

}  // namespace firedrill
