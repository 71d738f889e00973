// network.loss; see network_loss.h.
#include "network/loss/network_loss.h"

#include "network/link_shape_fault.h"
#include "place_change_fault.h"

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
      .needs_target = true,
      .whole_static_role = false,
      .resource = "qdisc",
      .reaches_clock = false,
      .check = {},
  };
  auto shape_of = [](const FaultSpec& spec) {
    LinkShape shape;
    shape.kind = LinkShape::Kind::loss;
    shape.loss_percent = parameter_or<int64_t>(spec, "percent", 0);
    return shape;
  };
  return FaultKind{std::move(entry), link_shape_factory("network.loss", shape_of),
                   link_shape_preflight(LinkShape::Kind::loss)};
}

}  // namespace firedrill
