// The link-shaping kinds' factory and preflight; see link_shape_fault.h.
#include "network/link_shape_fault.h"

#include "place_change_fault.h"

namespace firedrill {

FaultFactory link_shape_factory(std::string kind, std::function<LinkShape(const FaultSpec&)> shape_of) {
  return [kind, shape_of](const FaultSpec& spec, const std::string& node, FaultContext& context) {
    const LinkShape shape = shape_of(spec);
    return make_place_change_fault(
        kind, spec, node, context,
        [node, shape](Place& place, ChangeId change, PlaceDone done) {
          place.shape_link(change, node, shape, std::move(done));
        },
        [](Place& place, ChangeId change, PlaceDone done) { place.unshape_link(change, std::move(done)); });
  };
}

FaultPreflight link_shape_preflight(LinkShape::Kind kind) {
  return [kind](const FaultSpec&, const Place& place) { return place.can_shape(kind); };
}

}  // namespace firedrill
