// network.loss; see network_loss.h.
#include "network/loss/network_loss.h"

#include "network/link_shape_fault.h"

namespace firedrill {

FaultKind network_loss_kind() {
  FaultKindEntry entry{
      .name = "network.loss",
      .summary = "drop a share of a node's packets (needs netem in the running kernel)",
      .mechanism = "a netem qdisc; refused before the drill starts when the kernel lacks netem",
      .verified_by = "the qdisc is listed",
      .reverted_by = "the qdisc is removed",
      .privileges = "CAP_NET_ADMIN in the lab; CONFIG_NET_SCH_NETEM",
      .needs_duration = true,
      .parameters = {{"percent", FaultParameterType::percent, true, "", "packets dropped, 1 to 100"}},
  };
  return link_shape_kind(std::move(entry), LinkShape::Kind::loss);
}

}  // namespace firedrill
