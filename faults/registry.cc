// The one explicit list of the fault kinds this build implements, in the order `firedrill faults`
// lists them (no static self-registration, which a static library can silently drop). A kind is
// one folder, faults/<area>/<kind>/ (faults/README.md), and one line here.
#include "fault/fault_kinds.h"

#include "backup/corrupt/backup_corrupt.h"
#include "clock/skew/clock_skew.h"
#include "disk/full/disk_full.h"
#include "network/bandwidth/network_bandwidth.h"
#include "network/delay/network_delay.h"
#include "network/isolate/network_isolate.h"
#include "network/loss/network_loss.h"
#include "network/partition/network_partition.h"
#include "process/kill/process_kill.h"
#include "process/pause/process_pause.h"
#include "power/loss/power_loss.h"
#include "storage/loss/storage_loss.h"

namespace firedrill {

const FaultKinds& builtin_fault_kinds() {
  static const FaultKinds kinds({
      process_kill_kind(),
      process_pause_kind(),
      network_partition_kind(),
      network_isolate_kind(),
      network_bandwidth_kind(),
      network_delay_kind(),
      network_loss_kind(),
      disk_full_kind(),
      clock_skew_kind(),
      storage_loss_kind(),
      power_loss_kind(),
      backup_corrupt_kind(),
  });
  return kinds;
}

}  // namespace firedrill
