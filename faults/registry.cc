// The one explicit list of fault kinds this build implements (no static self-registration,
// which a static library can silently drop). Add a kind: catalog.cc, a class, a line here.
#include "fault.h"
#include "clock/clock_skew_fault.h"
#include "disk/disk_full_fault.h"
#include "network/network_faults.h"
#include "process/process_faults.h"
#include "storage/storage_faults.h"

namespace firedrill {

Result<std::unique_ptr<Fault>> make_fault(const FaultSpec& spec, const std::string& node,
                                          FaultContext& context) {
  using Factory = std::unique_ptr<Fault> (*)(const FaultSpec&, const std::string&, FaultContext&);
  static const std::pair<const char*, Factory> kFactories[] = {
      {"process.kill", &make_process_kill},
      {"process.pause", &make_process_pause},
      {"network.partition", &make_network_partition},
      {"network.isolate", &make_network_isolate},
      {"network.bandwidth", &make_network_bandwidth},
      {"network.delay", &make_network_delay},
      {"network.loss", &make_network_loss},
      {"disk.full", &make_disk_full},
      {"clock.skew", &make_clock_skew},
      {"storage.loss", &make_storage_loss},
      {"backup.corrupt", &make_backup_corrupt},
  };
  for (const auto& [kind, factory] : kFactories) {
    if (spec.kind == kind) return factory(spec, node, context);
  }
  return Status::error("fault " + spec.kind + ": not implemented in this build");
}

}  // namespace firedrill
