// One long-lived SSH session to a host, running a POSIX shell that firedrill sends commands to,
// one after another: the "something open per host" that makes a remote step cost a round trip and
// two process starts on the host (timeout and sh: remote_shell_test prints the figure) instead of
// a new SSH session (0.5-1 s). It is
// Jepsen's agentless model — nothing installed on the host, only its sshd and /bin/sh — with the
// connection kept.
//
// Each command runs as `timeout -s KILL T sh -c '<script>' </dev/null 2>&1` on the host, so a
// script's syntax error or a hung command cannot break the session, and its stdout and stderr
// come back together with its exit status, framed by a marker with a random token. Each result
// carries the command's round trip on the controller's clock (the step's uncertainty).
//
// The session ends when ssh exits (a refused key, a host-key mismatch, a host that stops
// answering for SshSettings::alive_timeout): every queued command then fails with the reason
// ssh gave, and `on_lost` is told once.
//
// Thread-safety: none; the controller's io_context thread. Callbacks run on it, never inside the
// call that queued them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "remote/ssh_command.h"

namespace boost::asio {
class io_context;
}

namespace firedrill {

// What one remote command did.
struct RemoteResult {
  int exit_code = -1;         // 137: killed at its timeout (`timeout -s KILL`)
  std::string output;         // stdout and stderr together, without the trailing newline
  int64_t round_trip_ns = 0;  // from the write of the command to the read of its status
  bool timed_out() const { return exit_code == 137; }
};

class RemoteShell {
 public:
  using Done = std::function<void(Result<RemoteResult>)>;
  // `name` names the host in errors ("host1 (root@10.77.0.11:22)").
  RemoteShell(boost::asio::io_context& io, std::string name, SshEndpoint endpoint, SshSettings options);
  // Ends the session (ssh is killed; the host's shell sees its input end). Callbacks of commands
  // still queued are dropped, never called: their owners are going too, as with Asio's handlers.
  ~RemoteShell();
  RemoteShell(const RemoteShell&) = delete;
  RemoteShell& operator=(const RemoteShell&) = delete;

  // Opens the session; ok once the host's shell answered, or an error naming the host and what
  // ssh said ("the host key does not match", "the key was refused", "could not connect").
  void connect(std::function<void(Status)> done);
  // Runs `script` with /bin/sh on the host, killed there after `timeout`.
  void run(std::string script, std::chrono::milliseconds timeout, Done done);
  // Runs `script` in the session's shell itself, with no wrapper: a round trip and nothing else
  // (remote_shell_test prints both costs). Only for firedrill's own short scripts, which cannot
  // hang and never `exit` (either would end the session); the answer is still awaited for at
  // most kRemoteStepTimeoutMs plus the alive timeout.
  void run_direct(std::string script, Done done);
  // Told once when an open session ends (not when it is destroyed).
  void on_lost(std::function<void(const std::string& why)> lost);
  bool open() const;
  // "host1 (root@10.77.0.11:22)"
  const std::string& label() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// What ssh's stderr says, as a sentence naming what to fix ("the host key of X does not match
// FILE"); `stderr_text` as it came when nothing is recognised.
std::string explain_ssh_failure(const std::string& stderr_text, const SshEndpoint& endpoint,
                                const SshSettings& options);

}  // namespace firedrill
