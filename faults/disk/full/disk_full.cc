// disk.full; see disk_full.h.
#include "disk/full/disk_full.h"

#include "place_change_fault.h"

namespace firedrill {

FaultKind disk_full_kind() {
  FaultKindEntry entry{
      .name = "disk.full",
      .summary = "fill a node's data volume",
      .mechanism = "a ballast file fills the node's tmpfs volume to `percent`",
      .verified_by = "a write on the volume gets ENOSPC (at 100 %), or the volume's use reaches `percent`",
      .reverted_by = "the ballast is deleted",
      .privileges = "write access to the node's volume (the lab's own mount)",
      .needs_duration = true,
      .parameters = {{"percent", FaultParameterType::percent, false, "100", "how full, 1 to 100"}},
      .resource = "volume",
  };
  auto make = [](const FaultSpec& spec, const std::string& node, FaultContext& context) {
    const int64_t percent = parameter_or<int64_t>(spec, "percent", 100);
    return make_place_change_fault(
        "disk.full", spec, node, context,
        [node, percent](Place& place, ChangeId change, PlaceDone done) {
          place.fill_volume(change, node, percent, std::move(done));
        },
        [](Place& place, ChangeId change, PlaceDone done) { place.unfill_volume(change, std::move(done)); });
  };
  return FaultKind{std::move(entry), make, {}};
}

}  // namespace firedrill
