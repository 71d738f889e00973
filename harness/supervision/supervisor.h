// The process supervisor: starts the system's nodes as child processes of the controller (each in
// its node's network namespace, with its own environment and log files), delivers the faults that
// act on processes (signals for kill and pause, stop, restart after a delay), and reports every
// start and every exit as a ProcessEvent so that the runner can put it on the timeline
// (DESIGN.md §1, §2 "process kill" and "process pause"). It decides nothing: a node that dies on
// its own is reported as an unexpected exit, never restarted behind the plan's back.
//
// Privileges: none to start, signal and reap children. Joining another network namespace
// (ProcessSpec::netns_fd) needs CAP_SYS_ADMIN over that namespace's user namespace, which the lab
// has.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace boost::asio {
class io_context;
}

namespace firedrill {

// How to launch one node. Copied by Supervisor::start, so it may be discarded afterwards.
struct ProcessSpec {
  // The node's name, unique among the nodes of one Supervisor ("ledger-1").
  std::string name;
  // argv[0] is the executable's path (no PATH search); the rest are its arguments.
  std::vector<std::string> argv;
  // The child's whole environment: nothing is inherited from the controller unless the caller
  // copies it in.
  std::map<std::string, std::string> env;
  // When >= 0, a network namespace fd the child joins (setns CLONE_NEWNET) before exec. Borrowed:
  // it must stay open while start() or a restart runs; the Supervisor never closes it.
  int netns_fd = -1;
  // The child's stdout and stderr are appended to these files (created 0644 when missing; the run
  // directory's per-node logs). Empty: /dev/null. stdin is always /dev/null.
  std::string stdout_path;
  std::string stderr_path;
  // The child's working directory; empty: the controller's.
  std::string working_dir;
};

// A start or an exit of a node, as the timeline records it.
struct ProcessEvent {
  enum class Kind {
    started,       // the executable is running (exec succeeded); `pid` is set
    exited,        // the process was reaped; `exit_code` or `signal` says how it ended
    start_failed,  // a start or a scheduled restart did not get to exec; `error` says why
  };
  Kind kind = Kind::started;
  std::string name;
  int pid = 0;
  // The exit status when the process exited normally; -1 otherwise.
  int exit_code = -1;
  // The signal that killed the process; 0 when it exited normally.
  int signal = 0;
  // True when the plan caused this exit (signal() with expect_exit, stop(), kill_all()); an exit
  // with expected == false is a crash the timeline must show as unexpected.
  bool expected = false;
  // Why a start failed ("what : which : why"); empty for the other kinds.
  std::string error;
};

// How a one-shot task (Supervisor::run_task) ended.
struct TaskResult {
  // Empty when the program ran; otherwise why it could not be started ("fork/exec ...: ...").
  std::string error;
  int exit_code = -1;      // the exit status when it exited normally; -1 otherwise
  int signal = 0;          // the signal that ended it; 0 when it exited normally
  bool timed_out = false;  // it outlived its deadline and its group was SIGKILLed
  bool succeeded() const { return error.empty() && exit_code == 0; }
};

// Starts, signals, stops and reaps the nodes of one drill, on the controller's io_context.
//
// Each node runs as the leader of its own process group, and signal(), stop() and kill_all() act
// on the whole group, so that a node's helper processes share its fate (a shell wrapper's child
// is killed with it, as systemd kills a unit's cgroup). Each child also gets
// PR_SET_PDEATHSIG = SIGKILL, default signal dispositions and an empty signal mask.
//
// Thread-safety: none. Every member, the constructor and the destructor must be called on the
// io_context's thread (from a handler) or while the io_context is not running. The thread that
// calls start() must live as long as its children: PR_SET_PDEATHSIG fires when the forking
// *thread* exits. Events are delivered on the io_context's thread, from handlers (start() posts
// its event, so it never calls `on_event` re-entrantly), except that kill_all() delivers the exits
// it reaps before it returns, so that a shutdown path records them even if the io_context never
// runs again.
//
// Reaping: each child is watched through a pidfd (Boost.Process v2 async_wait; Linux >= 5.3, else
// start() fails); nothing else in the process may reap it (no waitpid(-1), no SIGCHLD set to
// SIG_IGN).
class Supervisor {
 public:
  // `io` must outlive the Supervisor. `on_event` is called once per start attempt (started or
  // start_failed) and once per exit, never after the destructor has begun.
  Supervisor(boost::asio::io_context& io, std::function<void(const ProcessEvent&)> on_event);
  // SIGKILLs every node's process group still running and reaps the nodes, without events;
  // cancels pending restarts and stop deadlines.
  ~Supervisor();

  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Starts the node `spec.name`, or restarts it with a new spec when it is known but not running
  // (cancelling any pending restart). Returns once the child has exec'd, with an error naming the
  // node and why when it is running already, the spec is invalid, or fork, the set-up in the child
  // (setns, log files, chdir) or exec fails ("... : /bin/nope: No such file or directory"). Either
  // way a started or start_failed event follows.
  Status start(const ProcessSpec& spec);

  // Sends `sig` to the node's process group. With `expect_exit`, the node's next exit is marked
  // expected (e.g. the process.kill fault); the mark is cleared when that exit is reported. Error
  // when the node is unknown or not running, or kill(2) fails.
  Status signal(const std::string& name, int sig, bool expect_exit);

  // Starts the node again with its last spec `delay` from now (a steady_timer), as a service
  // manager would after a crash. Error when the node is unknown, running, or a restart is already
  // pending. The outcome is the started or start_failed event.
  Status restart_after(const std::string& name, std::chrono::milliseconds delay);

  // Asks the node to stop: SIGTERM to its group now, SIGKILL to its group if it has not been
  // reaped `grace` later. The exit is expected. Asynchronous: completion is the exited event.
  // When the node is known but not running, cancels any pending restart and returns ok with no
  // event; a second stop() while one is in progress is ok and keeps the first deadline. Error when
  // the node is unknown or kill(2) fails.
  Status stop(const std::string& name, std::chrono::milliseconds grace);

  // Runs a one-shot program to completion (a node's restore or backup action), launched like a
  // node (own process group, PR_SET_PDEATHSIG, spec.netns_fd, spec.working_dir, the logs) but
  // not a node: no ProcessEvent, no name to signal. Past `deadline` its group is SIGKILLed.
  // `done` is called once, from a handler, unless the Supervisor is destroyed first (then the
  // task is killed with the nodes). spec.name only labels errors.
  void run_task(const ProcessSpec& spec, std::chrono::milliseconds deadline,
                std::function<void(const TaskResult&)> done);

  // SIGKILLs every running node's group and reaps each leader before returning, delivering their
  // exited events (expected) synchronously; cancels pending restarts. For shutdown paths.
  void kill_all();

  // The node's pid while it is running (started and not yet reaped).
  std::optional<int> pid(const std::string& name) const;

  // True from a successful start() until the exit is reaped.
  bool running(const std::string& name) const;

  // True when `pid` is a running node's or task's process: the lab's init must not reap it
  // (reap_orphans), or the Supervisor would lose its exit status.
  bool owns(int pid) const;

  // The state letter of /proc/PID/stat ('R', 'S', 'D', 'T' when stopped, 'Z' before reaping, ...)
  // of the node's process; nullopt when it is not running or /proc cannot be read. The pause fault
  // verifies 'T'.
  std::optional<char> state(const std::string& name) const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;  // shared so that pending handlers can tell it is gone (weak_ptr)
};

}  // namespace firedrill
