// What network.bandwidth, network.delay and network.loss share: the fault is one limit on the
// node's link (Place::shape_link / unshape_link), refused before the drill when the place cannot
// make that kind of limit (Place::can_shape: netem for delay and loss). Their mechanism,
// verification, revert and privileges follow from the kind of limit (a TBF qdisc, or netem), so
// each kind's folder gives only what differs: a LinkShapeRow.
#pragma once

#include <string>

#include "fault/fault_kinds.h"

namespace firedrill {

// One link-shaping kind: the kind of limit, its name and summary, and the one parameter the
// limit is read from ("rate", "delay" or "percent").
struct LinkShapeRow {
  LinkShape::Kind shape;
  std::string name;
  std::string summary;
  FaultParameter limit;
};

// The kind of `row`: its catalog entry (with the text of its kind of limit), its resource
// ("qdisc"), factory and preflight.
FaultKind link_shape_kind(LinkShapeRow row);

}  // namespace firedrill
