// Whether a node's processes load the clock shim: the evidence that clock.skew can reach them
// (DESIGN.md §2: "the node's own process has the shim mapped"). A program that never loads the
// preload (statically linked, a runtime that reads the vDSO itself, a wrapper that clears
// LD_PRELOAD) must be refused as not skewable, never reported as skewed.
//
// Reads /proc: needs to see the node's processes (the controller is their parent or the lab's
// PID 1). Synchronous, a few ms for a handful of processes.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

#include "core/status.h"

namespace firedrill {

// One process of a node's tree and whether the shim is mapped into it.
struct ShimPresence {
  pid_t pid = 0;
  std::string program;  // /proc/PID/comm
  bool loaded = false;
};

// `root` and every live descendant of it (by /proc/PID/stat's parent), root first. The most
// processes looked at is process_tree_max; a process that ends while it is read is left out.
std::vector<pid_t> process_tree(pid_t root);

// For each process of `root`'s tree, whether /proc/PID/maps maps `shim_path` (a canonical
// path). An error when `root` cannot be read at all.
Result<std::vector<ShimPresence>> shim_presence(pid_t root, const std::string& shim_path);

// The ok Status when every process of `presence` loads the shim; else an error naming the first
// that does not: "its process (pid 42, server) does not load the clock shim (statically linked,
// or LD_PRELOAD cleared)".
Status require_shim_everywhere(const std::vector<ShimPresence>& presence);

}  // namespace firedrill
