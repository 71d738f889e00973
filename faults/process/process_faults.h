// Process faults: process.kill and process.pause, through the supervisor.
//
// Privileges: none beyond owning the node's process (the controller started it).
// process.kill  apply: the signal (default SIGKILL), verified when the supervisor has reaped the
//               process; revert: start the node again with its original command (a service
//               manager's restart), verified when it runs. Revert of a running node is a no-op.
// process.pause apply: SIGSTOP, verified when /proc/PID/stat shows state T; revert: SIGCONT,
//               verified when the state is no longer T. Revert of a vanished process succeeds.
#pragma once

#include <memory>

#include "fault.h"

namespace firedrill {

std::unique_ptr<Fault> make_process_kill(const FaultSpec& spec, const std::string& node,
                                         FaultContext& context);
std::unique_ptr<Fault> make_process_pause(const FaultSpec& spec, const std::string& node,
                                          FaultContext& context);

}  // namespace firedrill
