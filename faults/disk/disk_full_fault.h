// disk.full: fills a node's data volume (its tmpfs, lab/volumes.h) with a ballast file, so that
// the node's writes get a real ENOSPC (DESIGN.md §2 "disk full").
//
// Privileges: write access to the node's volume (the controller mounted it, as root or in the
// lab's user namespace). No mount or capability is needed beyond that.
//
// apply:  `.firedrill-ballast` in the volume is grown (fallocate for the bulk, then page-sized
//         writes until ENOSPC) until the volume's use (statvfs: blocks - bfree) reaches `percent`
//         (1..100, default 100). Verified at 100 % when a one-page probe write
//         (`.firedrill-probe`, removed again) gets ENOSPC, below 100 % when the use is at least
//         percent - 1. If the node frees space meanwhile, the ballast is grown again until the
//         step deadline. The volume is filled once: space the node frees later is not re-taken.
//         Evidence: bytes_total, bytes_free before and after, ballast_bytes.
// revert: the ballast is unlinked (needs no space, so it works on a completely full tmpfs),
//         restoring the free space it took. Verified when bytes_free grew by about the ballast's
//         size and a one-page probe write succeeds; an empty ballast (the volume was already full
//         at the apply) gave nothing back, so nothing is probed. Idempotent: no ballast (already
//         reverted, or the volume emptied by storage.loss) or no volume is a success.
#pragma once

#include <memory>
#include <string>

#include "fault.h"

namespace firedrill {

// The ballast's and the probe's names inside a node's volume.
inline constexpr const char* disk_ballast_name = ".firedrill-ballast";
inline constexpr const char* disk_probe_name = ".firedrill-probe";

// Makes the disk.full fault of `spec` (parameter "percent", int64 1..100; absent: 100) on `node`.
// Needs context.volumes when applied (an error otherwise).
std::unique_ptr<Fault> make_disk_full(const FaultSpec& spec, const std::string& node,
                                      FaultContext& context);

}  // namespace firedrill
