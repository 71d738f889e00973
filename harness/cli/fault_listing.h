// `firedrill faults` and the one fact about faults the report states (whether the kernel has
// netem). The only file of the command line that knows the fault library: with the fault-kind
// registry of harness/fault/, list_faults() reads builtin_fault_kinds().all() and netem comes
// from the place's can_shape().
#pragma once

namespace firedrill {

// Prints every fault kind: what it does, how it is verified and reverted, its privileges and
// parameters. Returns the exit code (0).
int list_faults();

// Whether this kernel has netem (network.delay and network.loss need it).
bool kernel_has_netem();

}  // namespace firedrill
