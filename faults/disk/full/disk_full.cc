// disk.full; see disk_full.h.
#include "disk/full/disk_full.h"

#include "place_change_fault.h"

namespace firedrill {

FaultKind disk_full_kind() {
  auto percent = [](const FaultSpec& spec) { return parameter_or<int64_t>(spec, "percent", 100); };
  return fault_kind(
      {"disk.full", "fill a node's data volume", "a ballast file fills the node's tmpfs volume to `percent`",
       "a write on the volume gets ENOSPC (at 100 %), or the volume's use reaches `percent`",
       "the ballast is deleted", "write access to the node's volume (the lab's own mount)"},
      {.needs_duration = true,
       .parameters = {{"percent", FaultParameterType::percent, false, "100", "how full, 1 to 100"}},
       .resource = "volume",
       .fills_volume = true},
      place_change_factory(&Place::fill_volume, percent, &Place::unfill_volume));
}

}  // namespace firedrill
