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

}  // namespace

FaultKind link_shape_kind(FaultKindEntry entry, LinkShape::Kind kind) {
  entry.resource = "qdisc";  // a link has one root qdisc
  const std::string name = entry.name;
  auto make = [name, kind](const FaultSpec& spec, const std::string& node, FaultContext& context) {
    const LinkShape shape = shape_of(kind, spec);
    return make_place_change_fault(
        name, spec, node, context,
        [node, shape](Place& place, ChangeId change, PlaceDone done) {
          place.shape_link(change, node, shape, std::move(done));
        },
        [](Place& place, ChangeId change, PlaceDone done) { place.unshape_link(change, std::move(done)); });
  };
  auto preflight = [kind](const FaultSpec&, const Place& place) { return place.can_shape(kind); };
  return FaultKind{std::move(entry), make, preflight};
}

}  // namespace firedrill
