// network.delay; see network_delay.h.
#include "network/delay/network_delay.h"

#include "network/link_shape_fault.h"

namespace firedrill {

FaultKind network_delay_kind() {
  return link_shape_kind({LinkShape::Kind::delay, "network.delay", "add latency to a node's traffic (needs netem in the running kernel)",
                          {"delay", FaultParameterType::duration, true, "", "added one-way latency"}});
}

}  // namespace firedrill
