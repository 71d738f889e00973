// network.delay; see network_delay.h.
#include "network/delay/network_delay.h"

#include "network/link_shape_fault.h"

namespace firedrill {

FaultKind network_delay_kind() {
  FaultKindEntry entry{
      .name = "network.delay",
      .summary = "add latency to a node's traffic (needs netem in the running kernel)",
      .mechanism = "a netem qdisc; refused before the drill starts when the kernel lacks netem",
      .verified_by = "the qdisc is listed",
      .reverted_by = "the qdisc is removed",
      .privileges = "CAP_NET_ADMIN in the lab; CONFIG_NET_SCH_NETEM",
      .needs_duration = true,
      .parameters = {{"delay", FaultParameterType::duration, true, "", "added one-way latency"}},
  };
  return link_shape_kind(std::move(entry), LinkShape::Kind::delay);
}

}  // namespace firedrill
