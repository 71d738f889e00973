// backup.corrupt; see backup_corrupt.h.
#include "backup/corrupt/backup_corrupt.h"

#include "place_change_fault.h"

namespace firedrill {

FaultKind backup_corrupt_kind() {
  FaultKindEntry entry{
      .name = "backup.corrupt",
      .summary = "flip one byte of a node's newest backup file (bit rot in the backup store)",
      .mechanism = "the byte in the middle of the newest file in the node's {backup_dir} matching `pattern` "
                   "is inverted",
      .verified_by = "the byte reads back inverted",
      .reverted_by = "the byte is put back at the heal (so nothing is left behind)",
      .privileges = "write access to the drill's backup store",
      .parameters = {{"pattern", FaultParameterType::string, false, "*",
                      "a glob of file names in the node's backup directory, e.g. \"full-*.sqlite\" or "
                      "\"archive-*.ndjson\""}},
      .resource = "backups",
  };
  auto make = [](const FaultSpec& spec, const std::string& node, FaultContext& context) {
    const std::string pattern = parameter_or<std::string>(spec, "pattern", "*");
    return make_place_change_fault(
        "backup.corrupt", spec, node, context,
        [node, pattern](Place& place, ChangeId change, PlaceDone done) {
          place.corrupt_backup(change, node, pattern, std::move(done));
        },
        [](Place& place, ChangeId change, PlaceDone done) { place.repair_backup(change, std::move(done)); });
  };
  return FaultKind{std::move(entry), make, {}};
}

}  // namespace firedrill
