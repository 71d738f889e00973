// backup.corrupt; see backup_corrupt.h.
#include "backup/corrupt/backup_corrupt.h"

#include "place_change_fault.h"

namespace firedrill {

FaultKind backup_corrupt_kind() {
  auto pattern = [](const FaultSpec& spec) { return parameter_or<std::string>(spec, "pattern", "*"); };
  return fault_kind(
      {"backup.corrupt", "flip one byte of a node's newest backup file (bit rot in the backup store)",
       "the byte in the middle of the newest file in the node's {backup_dir} matching `pattern` is inverted",
       "the byte reads back inverted", "the byte is put back at the heal (so nothing is left behind)",
       "write access to the drill's backup store"},
      {.parameters = {{"pattern", FaultParameterType::string, false, "*",
                       "a glob of file names in the node's backup directory, e.g. \"full-*.sqlite\" or "
                       "\"archive-*.ndjson\""}},
       .resource = "backups"},
      place_change_factory(&Place::corrupt_backup, pattern, &Place::repair_backup));
}

}  // namespace firedrill
