// clock.skew; see clock_skew.h.
#include "clock/skew/clock_skew.h"

#include "place_change_fault.h"

namespace firedrill {

FaultKind clock_skew_kind() {
  FaultKindEntry entry{
      .name = "clock.skew",
      .summary = "move a node's wall clock (monotonic time is untouched)",
      .mechanism = "the node's clock control page gets the offset (and rate); firedrill's clock shim, preloaded only "
                   "into the nodes a clock fault can reach, shows it to every clock read",
      .verified_by = "every process of the node has the clock shim mapped (/proc/PID/maps) and a witness reading "
                     "through the shim and the node's page shows the skewed time; a node that does not load the "
                     "shim is refused",
      .reverted_by = "the control page is reset to no offset, normal speed",
      .privileges = "reading the node's /proc/PID/maps; the node must be a dynamically linked program that keeps "
                    "LD_PRELOAD (not Go, not statically linked)",
      .needs_duration = true,
      .parameters = {{"offset", FaultParameterType::offset, true, "", "e.g. \"+10m\" or \"-90s\""},
                     {"rate", FaultParameterType::number, false, "", "clock speed factor, e.g. 1.5 (absent: 1)"}},
      .resource = "clock",
      .reaches_clock = true,
  };
  auto make = [](const FaultSpec& spec, const std::string& node, FaultContext& context) {
    const ClockSetting setting{parameter_or<Milliseconds>(spec, "offset", Milliseconds(0)),
                               parameter_or<double>(spec, "rate", 1.0)};
    return make_place_change_fault(
        "clock.skew", spec, node, context,
        [node, setting](Place& place, ChangeId change, PlaceDone done) {
          place.move_clock(change, node, setting, std::move(done));
        },
        [](Place& place, ChangeId change, PlaceDone done) { place.reset_clock(change, std::move(done)); });
  };
  return FaultKind{std::move(entry), make, {}};
}

}  // namespace firedrill
