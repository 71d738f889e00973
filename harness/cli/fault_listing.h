// `firedrill faults` and the one fact about faults the report states (whether the kernel has
// netem). It reads the fault-kind registry of harness/fault/ (builtin_fault_kinds()), and asks the
// lab whether this kernel has netem.
#pragma once

namespace firedrill {

// Prints every fault kind: what it does, how it is verified and reverted, its privileges and
// parameters. Returns the exit code (0).
int list_faults();

// Whether this kernel has netem (network.delay and network.loss need it).
bool kernel_has_netem();

}  // namespace firedrill
