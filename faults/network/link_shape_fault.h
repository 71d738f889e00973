// What network.bandwidth, network.delay and network.loss share: the fault is one limit on the
// node's link (Place::shape_link / unshape_link), refused before the drill when the place cannot
// make that kind of limit (Place::can_shape: netem for delay and loss).
#pragma once

#include "fault/fault_kinds.h"

namespace firedrill {

// The kind described by `entry` that limits a node's link as `kind` says, reading the limit from
// its parameter ("rate", "delay" or "percent"): its resource ("qdisc"), factory and preflight.
FaultKind link_shape_kind(FaultKindEntry entry, LinkShape::Kind kind);

}  // namespace firedrill
