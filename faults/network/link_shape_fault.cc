// The link-shaping kinds' common part; see link_shape_fault.h.
#include "network/link_shape_fault.h"

#include "place_change_fault.h"

namespace firedrill {
namespace {

LinkShape shape_of(LinkShape::Kind kind, const FaultSpec& spec) {
  LinkShape shape;
  shape.kind = kind;
  shape.rate_bits_per_s = parameter_or<int64_t>(spec, "rate", 0);
  shape.delay = parameter_or<Milliseconds>(spec, "delay", Milliseconds(0));
  shape.loss_percent = parameter_or<int64_t>(spec, "percent", 0);
  return shape;
}

// The catalog prose of `row`: a TBF qdisc for bandwidth, netem (which the kernel may lack) for
// delay and loss.
KindText text_of(const LinkShapeRow& row) {
  if (row.shape == LinkShape::Kind::bandwidth) {
    return {row.name, row.summary, "a TBF qdisc on the node's link through netlink", "the qdisc is listed on the link",
            "the qdisc is removed", "CAP_NET_ADMIN in the lab"};
  }
  return {row.name, row.summary, "a netem qdisc; refused before the drill starts when the kernel lacks netem",
          "the qdisc is listed", "the qdisc is removed", "CAP_NET_ADMIN in the lab; CONFIG_NET_SCH_NETEM"};
}

}  // namespace

FaultKind link_shape_kind(LinkShapeRow row) {
  const LinkShape::Kind kind = row.shape;
  auto shape = [kind](const FaultSpec& spec) { return shape_of(kind, spec); };
  auto preflight = [kind](const FaultSpec&, const Place& place) { return place.can_shape(kind); };
  // The resource is the qdisc: a link has one root qdisc.
  return fault_kind(text_of(row), {.needs_duration = true, .parameters = {std::move(row.limit)}, .resource = "qdisc"},
                    place_change_factory(&Place::shape_link, shape, &Place::unshape_link), preflight);
}

}  // namespace firedrill
