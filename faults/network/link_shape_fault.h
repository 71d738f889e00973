// What network.bandwidth, network.delay and network.loss share: the fault is one limit on the
// node's link (Place::shape_link / unshape_link), refused before the drill when the place cannot
// make that kind of limit (Place::can_shape: netem for delay and loss).
#pragma once

#include <functional>

#include "fault/fault_kinds.h"

namespace firedrill {

// The factory of a link-shaping kind: `shape_of` reads the limit from the fault's parameters.
FaultFactory link_shape_factory(std::string kind, std::function<LinkShape(const FaultSpec&)> shape_of);

// The preflight of a link-shaping kind of limit `kind`.
FaultPreflight link_shape_preflight(LinkShape::Kind kind);

}  // namespace firedrill
