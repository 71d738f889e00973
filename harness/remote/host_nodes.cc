// A HostPlace's nodes and their processes: starts (started and attached nodes), states, signals,
// waits, restarts and one-shot tasks; see host_place.h.
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <fstream>
#include <set>

#include "core/limits.h"
#include "place/retry_until.h"
#include "remote/host_place.h"
#include "remote/host_place_state.h"
#include "remote/ssh_command.h"

namespace firedrill {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

void HostPlace::start_node(const NodeLaunch& launch, PlaceDone done) {
  auto self = state_;
  HostNode* n = self->node(launch.name);
  if (!n) return done(Status::error("node " + launch.name + ": not on any host"), {{"node", launch.name}});
  n->launch = launch;
  const NodeDefinition& d = *n->definition;
  std::string script;
  if (d.attached()) {
    // Already running: its pid; else its start, then its pid.
    // The definition's commands in subshells of their own: their redirections and background jobs
    // are theirs. The pid is looked for within 4 s of the start (the step has 5).
    script = "pid=$( (" + d.pid_command + ") ); if [ -z \"$pid\" ]; then (" + d.start_command +
             ") >/dev/null 2>&1 </dev/null; i=0; while [ -z \"$pid\" ] && [ $i -lt 40 ]; do sleep 0.1; pid=$( (" +
             d.pid_command + ") ); i=$((i+1)); done; fi; echo $pid";
  } else {
    std::map<std::string, std::string> env = launch.env;
    env["FIREDRILL_WORK_DIR"] = n->host->work_dir;  // how the host-wide switch knows its own nodes
    const std::string wd = launch.working_dir.empty() ? std::string("/") : launch.working_dir;
    script = "cd " + shell_quote(wd) + " && pid=$( (setsid " + command_line(env, launch.argv) + " >>" +
             shell_quote(self->node_log(launch.name, "out")) + " 2>>" + shell_quote(self->node_log(launch.name, "err")) +
             " </dev/null & echo $!) ) && echo $pid >>" + shell_quote(n->host->work_dir + "/pids") +
             // $! is known before the child has called setsid(): wait (shell builtins only) until
             // it leads its own group, so that a signal to the group right after reaches it.
             " && i=0; while [ $i -lt 2000 ] && read -r l </proc/$pid/stat; do set -- ${l##*[)] }; [ \"$3\" = \"$pid\" ] && break; " +
             "i=$((i+1)); done; echo $pid";
  }
  self->step(*n->host, script, false, [self, n, done](Result<RemoteResult> r) {
    Evidence evidence{{"node", n->definition->name}};
    if (!r) return done(r.status(), evidence);
    add_round_trip(evidence, *r);
    const int pid = std::atoi(r->output.c_str());
    if (r->exit_code != 0 || pid <= 0) {
      ProcessEvent e;
      e.kind = ProcessEvent::Kind::start_failed;
      e.name = n->definition->name;
      e.error = n->definition->attached()
                    ? "node " + n->definition->name + ": its pid_command printed no pid on " + n->host->name +
                          ", even after its start (" + (r->output.empty() ? std::string("no output") : r->output) + ")"
                    : "node " + n->definition->name + ": start on " + n->host->name + ": " + r->output;
      if (self->setup.on_event) self->setup.on_event(e);
      return done(Status::error(e.error), evidence);
    }
    n->pid = pid;
    n->running = true;
    n->launched = true;
    n->expect_exit = false;
    evidence["pid"] = pid;
    self->emit(ProcessEvent::Kind::started, *n);
    done(Status::ok(), evidence);
  });
}

void HostPlace::process_state(const std::string& node, std::function<void(Result<ProcessState>)> done) {
  auto self = state_;
  HostNode* n = self->node(node);
  if (!n) return done(Status::error("node " + node + ": not on any host"));
  self->read_states(*n->host, {node}, [n, done](Status s) {
    if (!s) return done(s);
    done(ProcessState{n->running, n->running ? n->pid : 0, n->running ? n->state : '?'});
  });
}

void HostPlace::signal_node(const std::string& node, int signal, bool expect_exit, PlaceDone done) {
  auto self = state_;
  HostNode* n = self->node(node);
  if (!n || !n->running) return done(Status::error("node " + node + ": not running"), {{"node", node}});
  // A started node is its own process group (setsid); an attached one is signalled alone.
  const std::string target = (n->definition->attached() ? "" : "-") + std::to_string(n->pid);
  auto send = [self, n, signal, expect_exit, target, done] {
    if (expect_exit) {
      n->expect_exit = true;
      n->sent_signal = signal;
    }
    self->step(*n->host, "kill -" + std::to_string(signal) + " " + target, true,
               [self, n, signal, done](Result<RemoteResult> r) {
                 Evidence evidence{{"node", n->definition->name}, {"pid", n->pid}, {"signal", signal}};
                 if (!r) return done(r.status(), evidence);
                 add_round_trip(evidence, *r);
                 if (r->exit_code != 0) return done(Status::error("kill on " + n->host->name + ": " + r->output), evidence);
                 if (signal == SIGCONT && n->stop_switch.pid > 0) {
                   disarm_switch(*n->host->shell, n->stop_switch, [](Status) {});
                   n->stop_switch = {};
                 }
                 done(Status::ok(), evidence);
               });
  };
  if (signal != SIGSTOP) return send();
  // A paused node resumes by itself if the controller goes.
  arm_switch(*n->host->shell, switch_marker(self->setup.run_id, "cont-" + node), self->setup.switch_delay(-1),
             "kill -CONT " + target, [n, send, done, node](Result<ArmedSwitch> armed) {
               if (!armed) return done(armed.status(), {{"node", node}});
               n->stop_switch = *armed;
               send();
             });
}

void HostPlace::wait_exit(const std::vector<std::string>& nodes, PlaceDone done) {
  auto self = state_;
  const auto deadline = Clock::now() + self->setup.step_deadline;
  auto gone = std::make_shared<std::set<std::string>>();
  auto look = std::make_shared<std::function<void()>>();
  *look = [self, nodes, deadline, gone, look, done] {
    std::vector<std::string> left;
    for (const auto& name : nodes) {
      if (!self->node(name) || !self->node(name)->running) gone->insert(name);
      if (!gone->count(name)) left.push_back(name);
    }
    if (left.empty()) return done(Status::ok(), {{"reaped", joined(nodes)}});
    if (Clock::now() >= deadline) {
      return done(Status::error("node " + joined(left) + ": exit: not observed before the step deadline"),
                  {{"running", joined(left)}});
    }
    HostNode* n = self->node(left.front());
    self->read_states(*n->host, {left.front()}, [look](Status) { (*look)(); });
  };
  (*look)();
}

void HostPlace::wait_state(const std::string& node, char state, bool in_state, PlaceDone done) {
  auto self = state_;
  HostNode* n = self->node(node);
  if (!n) return done(Status::error("node " + node + ": not on any host"), {{"node", node}});
  const auto deadline = Clock::now() + self->setup.step_deadline;
  auto look = std::make_shared<std::function<void()>>();
  *look = [self, n, state, in_state, deadline, look, done, node] {
    self->read_states(*n->host, {node}, [self, n, state, in_state, deadline, look, done, node](Status s) {
      const char now = n->running ? n->state : '?';
      Evidence evidence{{"state", n->running ? std::string(1, now) : std::string("gone")}};
      if (s && (now == state) == in_state) return done(Status::ok(), evidence);
      if (Clock::now() >= deadline) {
        return done(Status::error("node " + node + ": state " + (in_state ? "" : "not ") + std::string(1, state) +
                                  ": not observed before the step deadline"),
                    evidence);
      }
      (*look)();
    });
  };
  (*look)();
}

void HostPlace::restart_nodes(const std::vector<std::string>& nodes, PlaceDone done) {
  auto self = state_;
  std::vector<std::string> stopped;
  for (const auto& name : nodes) {
    if (HostNode* n = self->node(name); n && !n->running) stopped.push_back(name);
  }
  auto place = this;
  in_turn(
      stopped.size(),
      [self, place, stopped](std::size_t i, std::function<void(Status)> next) {
        HostNode* n = self->node(stopped[i]);
        NodeLaunch launch = n->launch;
        launch.name = stopped[i];
        place->start_node(launch, [next](Status s, Evidence) { next(s); });
      },
      [self, nodes, done](Status started) {
        if (!started) return done(started, {{"nodes", joined(nodes)}});
        wait_until(
            self->setup.io, self->setup.step_deadline,
            [self, nodes] {
              for (const auto& name : nodes) {
                if (!self->node(name) || !self->node(name)->running) return false;
              }
              return true;
            },
            "restart " + joined(nodes), [] { return Evidence{}; }, done);
      });
}

void HostPlace::run_action(const ActionRequest& request, std::function<void(ActionOutcome)> done) {
  if (state_->run_action) return state_->run_action(request, std::move(done));
  ActionOutcome outcome;
  outcome.error = "no action runner";
  done(std::move(outcome));
}

void HostPlace::run_task(const ProcessSpec& spec, milliseconds deadline, std::function<void(const TaskResult&)> done) {
  auto self = state_;
  HostNode* n = self->node(spec.name.substr(0, spec.name.find('.')));
  if (!n) return done(TaskResult{.error = spec.name + ": not on any host"});
  const std::string wd = spec.working_dir.empty() ? std::string("/") : spec.working_dir;
  const std::string script = "cd " + shell_quote(wd) + " && exec " + command_line(spec.env, spec.argv);
  n->host->shell->run(script, deadline, [spec, done](Result<RemoteResult> r) {
    TaskResult result;
    if (!r) {
      result.error = r.status().message();
      return done(result);
    }
    result.exit_code = r->timed_out() ? -1 : r->exit_code;
    result.signal = r->timed_out() ? SIGKILL : 0;
    result.timed_out = r->timed_out();
    if (!spec.stdout_path.empty()) std::ofstream(spec.stdout_path, std::ios::app) << r->output << "\n";
    done(result);
  });
}

}  // namespace firedrill
