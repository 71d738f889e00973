// The lab's process boundary (DESIGN.md §2): enter_lab() puts the controller into its own PID,
// mount and network namespaces (and a user namespace when not started as root), so that whatever
// the drill starts, mounts or builds disappears with the controller, even after a SIGKILL.
//
// Used once by `firedrill run`, first thing, and by the controller's main loop for reap_orphans().
//
// The shape after enter_lab():
//
//   process the user started (outer)        -- waits, forwards signals, exits with the lab's code
//     └─ controller = PID 1 of the lab      -- enter_lab() returns here; the drill runs here
//          └─ nodes, their helpers, ...      -- all killed by the kernel when PID 1 dies
//
// Killing either the outer process or the controller ends the whole drill: the controller has
// PR_SET_PDEATHSIG = SIGKILL, and the outer process exits as soon as the controller is gone.
//
// PID-1 signal semantics, which the controller must respect: the kernel delivers to a PID
// namespace's init only the signals it has a handler for (SIGKILL and SIGSTOP from outside the
// namespace excepted). A SIGTERM forwarded by the outer process, a terminal's SIGINT, or a kill
// from inside the lab is silently *ignored* unless the controller has installed a handler, e.g. an
// asio::signal_set for SIGINT, SIGTERM (and SIGHUP, SIGQUIT if it wants those). The default
// "terminate" action never applies to PID 1.
//
// Privileges: root, or a kernel allowing unprivileged user namespaces. As root no user namespace
// is made, so the lab has the real root's powers over its own namespaces only.
#pragma once

#include <sys/types.h>

#include <functional>

#include "core/status.h"

namespace firedrill {

// What enter_lab() set up, as seen by the controller (PID 1 of the lab).
struct LabInfo {
  // True when the caller was not root and the lab runs inside a new user namespace in which the
  // caller's uid and gid are mapped to 0 (files it creates belong to the caller outside).
  bool user_namespace = false;
  // The pid of the outer process (the one the user or CI sees), in the caller's original PID
  // namespace. Inside the lab the controller's getppid() is 0, as its parent is outside.
  pid_t outer_pid = 0;
};

// Moves the caller into the lab and returns in the controller (PID 1 of a new PID namespace, with
// a private mount namespace, a fresh /proc and an empty network namespace; see the file comment).
// The process must still be single-threaded. In the original process this function never returns
// once the controller has been forked: it waits for it, forwards SIGINT, SIGTERM, SIGHUP and
// SIGQUIT to it, and _exit()s with its exit code (128 + signal number when it was killed by a
// signal).
//
// Errors before the fork (threads present, user namespace refused, unshare failing) are returned
// in the original process, which may by then be in some of the new namespaces. Errors after the
// fork (mounting /proc) are returned in the controller. Either way the caller should print the
// error and exit non-zero; after the fork the outer process then exits with the same code.
// The user-namespace errors say what blocks it ("unprivileged user namespaces are disabled: sysctl
// kernel.unprivileged_userns_clone=0", ...) and suggest running as root.
Result<LabInfo> enter_lab();

// Reaps the lab's orphans: processes re-parented to the controller as PID 1 (a node's daemonised
// grandchild, for instance) that have exited. Only pids for which `is_supervised` returns false
// are reaped; the Supervisor reaps its own children through pidfds, and reaping one of them here
// would steal its exit. Never blocks. Returns how many processes were reaped.
//
// Call it periodically (a steady_timer) on the thread that owns the Supervisor, so that a pid the
// Supervisor has just forked is already known to `is_supervised`.
int reap_orphans(const std::function<bool(pid_t)>& is_supervised);

}  // namespace firedrill
