// network.loss; see network_loss.h.
#include "network/loss/network_loss.h"

#include "network/link_shape_fault.h"

namespace firedrill {

FaultKind network_loss_kind() {
  return link_shape_kind({LinkShape::Kind::loss, "network.loss", "drop a share of a node's packets (needs netem in the running kernel)",
                          {"percent", FaultParameterType::percent, true, "", "packets dropped, 1 to 100"}});
}

}  // namespace firedrill
