// The dead-man's switch on a host; see dead_mans_switch.h.
#include "remote/dead_mans_switch.h"

#include <cstdlib>

#include "core/limits.h"
#include "remote/remote_shell.h"
#include "remote/ssh_command.h"

namespace firedrill {

std::string switch_marker(const std::string& run_id, const std::string& id) {
  std::string clean;
  for (const char c : run_id + "-" + id) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    clean += plain ? c : '_';
  }
  return "firedrill-switch-" + clean;
}

std::string arm_switch_script(const std::string& marker, std::chrono::milliseconds delay, const std::string& revert) {
  // setsid: a session of its own, so the end of the SSH session (SIGHUP to its session) does not
  // reach it; stdin, stdout and stderr away from the session's pipes, so it holds none open.
  return "setsid sh -c " + shell_quote("sleep " + shell_seconds(delay) + "; " + revert) + " " + shell_quote(marker) +
         " </dev/null >/dev/null 2>&1 & echo $!";
}

std::string disarm_switch_script(const ArmedSwitch& armed) {
  const std::string pid = std::to_string(armed.pid);
  // Only the process whose last argument is exactly the marker (…-1 is not …-10): a pid reused
  // since is left alone.
  return "if [ \"$(tr '\\0' '\\n' </proc/" + pid + "/cmdline 2>/dev/null | tail -n 1)\" = " +
         shell_quote(armed.marker) + " ]; then kill -KILL -" + pid + " 2>/dev/null; fi; true";
}

void arm_switch(RemoteShell& shell, const std::string& marker, std::chrono::milliseconds delay,
                const std::string& revert, std::function<void(Result<ArmedSwitch>)> done) {
  shell.run_direct(arm_switch_script(marker, delay, revert),
            [marker, done = std::move(done), label = shell.label()](Result<RemoteResult> r) {
              if (!r) return done(r.status());
              const int pid = std::atoi(r->output.c_str());
              if (r->exit_code != 0 || pid <= 0) {
                return done(Status::error(label + ": arming the dead-man's switch failed: " + r->output));
              }
              done(ArmedSwitch{marker, pid});
            });
}

void disarm_switch(RemoteShell& shell, const ArmedSwitch& armed, std::function<void(Status)> done) {
  shell.run_direct(disarm_switch_script(armed), [done = std::move(done)](Result<RemoteResult> r) {
    done(r ? Status::ok() : r.status());
  });
}

}  // namespace firedrill
