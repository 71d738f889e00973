// clock.skew: moves a node's wall clock through its libfaketime control file (DESIGN.md §2
// "clock skew"). Every node runs with libfaketime preloaded, FAKETIME_TIMESTAMP_FILE pointing at
// its control file and FAKETIME_NO_CACHE=1, so the node's processes re-read the file on every
// clock call and see a new offset at once, without a restart.
//
// Only wall-clock time moves (CLOCK_REALTIME, time(), gettimeofday()): the nodes also run with
// FAKETIME_DONT_FAKE_MONOTONIC=1, which keeps CLOCK_MONOTONIC and CLOCK_BOOTTIME real, so timeouts
// and timers inside the node behave; the controller's timeline never reads a node's clock.
//
// Privileges: write access to the run directory's clock/ folder (the controller created it).
//
// apply:  the control file is replaced atomically (written beside it, then renamed) with the
//         offset in seconds and the rate, e.g. "+600 x1", "-90 x1", "+0.25 x1.5". Verified when a
//         witness `/bin/date +%s%N`, started with the node's environment, reads the real time
//         plus the offset within ±500 ms (wider when the rate is not 1). Evidence: the requested
//         and observed offsets in ms, the rate, the file and its content.
// revert: the control file is set to "+0 x1" (no offset, normal speed), verified by the witness
//         reading the real time within ±500 ms. Idempotent; a run directory already gone is a
//         success.
//
// The rate is always written, also as " x1": libfaketime 0.9.10 keeps the last rate it read when
// a line has none, so "+0" alone after "+0 x2" would leave the clock running fast. A rate r scales
// a process's time since *that process started* (libfaketime's rule): a node that has run for a
// minute jumps r - 1 minutes when the rate is set, and back when it is reset; libfaketime also
// shortens the node's sleeps by the rate.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "fault.h"

namespace firedrill {

// The line written to a libfaketime control file for `offset` (seconds, with up to three
// decimals) and `rate` (absent: 1): "+600 x1", "-0.25 x1.5".
std::string faketime_control_line(Milliseconds offset, std::optional<double> rate);

// Makes the clock.skew fault of `spec` (parameters "offset", signed Milliseconds, required;
// "rate", double > 0, optional) on `node`. Needs context.clock_file and context.node_environment.
std::unique_ptr<Fault> make_clock_skew(const FaultSpec& spec, const std::string& node,
                                       FaultContext& context);

}  // namespace firedrill
