// clock.skew: moves one node's wall clock through its clock control page (DESIGN.md §2 "clock
// skew"; faults/clock/README.md). Only the nodes a clock fault of the drill can reach run with
// the clock shim preloaded (Plan::clock_shim_nodes); the others run with no preload at all.
//
// Only wall-clock time moves (CLOCK_REALTIME and what reads it: time(), gettimeofday()); the
// monotonic clocks stay real, so timeouts and timers inside the node behave, and the controller's
// timeline never reads a node's clock.
//
// Privileges: reading the node's /proc/PID/maps (its parent or the lab's PID 1 can) and writing
// the run directory's clock/ folder (the controller created it).
//
// apply:  in effect only when (1) every process of the node's tree has the shim mapped
//         (/proc/PID/maps), else refused with the process that does not ("ledger-1: its process
//         (pid 42, server) does not load the clock shim ..."), and (2) after the page is set to
//         the offset and rate, a read through the shim shows the real time plus the offset within
//         ±500 ms (wider when the rate is not 1): the node's own read (the shim acknowledges it in
//         the page) when one comes within node_read_ms_max, as it does for a node serving
//         requests; else a witness `date +%s%N` reading through the same shim and page (an idle
//         node). Evidence: the requested and observed offsets in ms, the rate, the page, each
//         process checked, `verified_by`, and the node's own read (pid, offset) or "none yet".
// revert: the page is set to the identity (no offset, normal speed), verified by the witness.
//         Evidence: whether a process of the node read the skewed clock while it was set
//         (`node_read_while_skewed`: pid and offset it saw), from the shim's acknowledgement.
//         Idempotent; a run directory already gone is a success.
//
// The rate counts from the apply: the node's clock is `offset` ahead at that instant and then
// runs `rate` times as fast; sleeps and timeouts are not shortened.
#pragma once

#include <memory>
#include <string>

#include "fault.h"

namespace firedrill {

// Makes the clock.skew fault of `spec` (parameters "offset", signed Milliseconds, required;
// "rate", double > 0, optional) on `node`. Needs context.clock_control and context.clock_shim.
std::unique_ptr<Fault> make_clock_skew(const FaultSpec& spec, const std::string& node,
                                       FaultContext& context);

}  // namespace firedrill
