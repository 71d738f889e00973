// The dead-man's switch of a change firedrill makes on a host (DESIGN.md §2a): before the change
// is applied, its revert is armed *on the host*, to run by itself at the fault's end plus a
// grace period, in a process of its own session (setsid) that outlives the SSH session, the
// controller and the network between them. A normal revert runs the revert itself and then
// disarms the switch. Reverts are idempotent (STYLE.md habit 2), so a switch that fires while
// the controller is reverting too does no harm. No systemd needed: sleep, sh and setsid.
//
// The switch's process is named by a marker (`firedrill-switch-RUN-ID` as its $0) so that a
// disarm never signals a process that merely reused its pid, and so that a sweep can list the
// switches of a run (`pgrep -f firedrill-switch-RUN-`).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "core/status.h"

namespace firedrill {

class RemoteShell;

// An armed switch on a host.
struct ArmedSwitch {
  std::string marker;  // firedrill-switch-RUN-ID
  int pid = 0;         // the switch's process (its session and group leader)
};

// The host-side scripts (pure, for tests and for reading).
// Arms `revert` to run in `delay` and prints the switch's pid.
std::string arm_switch_script(const std::string& marker, std::chrono::milliseconds delay, const std::string& revert);
// Stops the switch of `armed` (its whole group) if it has not fired; exits 0 either way.
std::string disarm_switch_script(const ArmedSwitch& armed);

// The marker of switch `id` of run `run_id` (only [A-Za-z0-9_-] kept of the run id).
std::string switch_marker(const std::string& run_id, const std::string& id);

// Arms a switch over `shell`; the result says the pid it runs as.
void arm_switch(RemoteShell& shell, const std::string& marker, std::chrono::milliseconds delay,
                const std::string& revert, std::function<void(Result<ArmedSwitch>)> done);
// Disarms it over `shell`.
void disarm_switch(RemoteShell& shell, const ArmedSwitch& armed, std::function<void(Status)> done);

}  // namespace firedrill
