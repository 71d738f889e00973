// clock.skew; see clock_skew.h.
#include "clock/skew/clock_skew.h"

#include "place_change_fault.h"

namespace firedrill {

FaultKind clock_skew_kind() {
  auto setting = [](const FaultSpec& spec) {
    return ClockSetting{parameter_or<Milliseconds>(spec, "offset", Milliseconds(0)),
                        parameter_or<double>(spec, "rate", 1.0)};
  };
  return fault_kind(
      {"clock.skew", "move a node's wall clock (monotonic time is untouched)",
       "the node's clock control page gets the offset (and rate); firedrill's clock shim, preloaded only into the "
       "nodes a clock fault can reach, shows it to every clock read",
       "every process of the node has the clock shim mapped (/proc/PID/maps) and a witness reading through the "
       "shim and the node's page shows the skewed time; a node that does not load the shim is refused",
       "the control page is reset to no offset, normal speed",
       "reading the node's /proc/PID/maps; the node must be a dynamically linked program that keeps LD_PRELOAD "
       "(not Go, not statically linked)"},
      {.needs_duration = true,
       .parameters = {{"offset", FaultParameterType::offset, true, "", "e.g. \"+10m\" or \"-90s\""},
                      {"rate", FaultParameterType::number, false, "", "clock speed factor, e.g. 1.5 (absent: 1)"}},
       .resource = "clock",
       .reaches_clock = true},
      place_change_factory(&Place::move_clock, setting, &Place::reset_clock));
}

}  // namespace firedrill
