// process.kill; see process_kill.h.
#include "process/kill/process_kill.h"

#include "fault_kind.h"

namespace firedrill {
namespace {

class ProcessKill : public Fault {
 public:
  ProcessKill(const FaultSpec& spec, std::string node, FaultContext& context)
      : index_(spec.index), node_(std::move(node)), context_(context),
        signal_name_(parameter_or<std::string>(spec, "signal", "SIGKILL")),
        while_stopped_(parameter_or<std::string>(spec, "while_stopped", "")) {}
  const std::string& kind() const override { return kind_; }
  const std::string& node() const override { return node_; }

  void apply(FaultDone done) override {
    context_.place.process_state(node_, [this, done = std::move(done)](Result<ProcessState> state) {
      boost::json::object evidence{{"node", node_}, {"signal", signal_name_}, {"pid", state ? state->pid : 0}};
      if (!state) return done(state.status().with_context("process.kill: node " + node_), evidence);
      if (!state->running) return done(Status::error("process.kill: node " + node_ + ": not running"), evidence);
      context_.place.signal_node(node_, signal_number(signal_name_), true, [this, evidence, done](Status sent, Evidence) {
        if (!sent) return done(sent.with_context("process.kill"), evidence);
        context_.place.wait_exit({node_}, [evidence, done](Status exited, Evidence) mutable {
          evidence["reaped"] = exited.is_ok();
          done(exited.with_context("process.kill"), evidence);
        });
      });
    });
  }

  void revert(FaultDone done) override {
    context_.place.process_state(node_, [this, done = std::move(done)](Result<ProcessState> state) mutable {
      if (state && state->running) return done(Status::ok(), {{"node", node_}, {"already_running", true}});
      if (while_stopped_.empty()) return restart({}, std::move(done));
      // Maintenance while the node is down (a cold backup): its outcome is evidence, and the node
      // is restarted whatever it was, as an operator would.
      context_.place.run_action({index_, node_, while_stopped_, "while_stopped"},
                                [this, done = std::move(done)](ActionOutcome outcome) mutable {
                                  restart({{"action", while_stopped_},
                                           {"succeeded", outcome.succeeded},
                                           {"error", outcome.error}},
                                          std::move(done));
                                });
    });
  }

 private:
  void restart(boost::json::object action, FaultDone done) {
    context_.place.restart_nodes({node_}, [this, action = std::move(action), done = std::move(done)](Status s, Evidence) {
      context_.place.process_state(node_, [this, s, action, done](Result<ProcessState> state) {
        boost::json::object e{{"node", node_}, {"pid", state ? state->pid : 0}};
        if (!action.empty()) e["while_stopped"] = action;
        done(s.with_context("process.kill revert: node " + node_), e);
      });
    });
  }

  const std::string kind_ = "process.kill";
  int index_;
  std::string node_;
  FaultContext& context_;
  std::string signal_name_;
  std::string while_stopped_;
};

// `restart_after` must end inside the drill; `while_stopped` must be an action of the nodes.
void check(const FaultCheck& c) {
  auto it = c.fault.parameters.find("restart_after");
  const Milliseconds drill = c.scenario.drill.duration;
  if (it != c.fault.parameters.end() && c.at_given && drill.count() > 0) {
    const Milliseconds end = c.fault.at + std::get<Milliseconds>(it->second);
    if (end > drill) {
      c.error("restart_after", "would end at \"" + format_duration(end) + "\", after the drill (duration \"" +
                                   format_duration(drill) + "\"); without it the node is restarted at the heal");
    }
  }
  check_node_action(c, "while_stopped", "");
}

}  // namespace

FaultKind process_kill_kind() {
  return fault_kind(
      {"process.kill", "kill a node's process with a signal; optionally restart it, as a service manager would",
       "the signal is sent to the node's process", "the process has exited and been reaped",
       "restart after `restart_after`, if given; otherwise restart at the heal (end of the fault phase)",
       "none beyond running the drill"},
      {.parameters = {{"signal", FaultParameterType::signal, false, "SIGKILL",
                       "SIGKILL, SIGTERM, SIGINT, SIGQUIT, SIGHUP or SIGABRT"},
                      {"restart_after", FaultParameterType::duration, false, "",
                       "restart the node this long after it exited (absent: at the heal)"},
                      {"while_stopped", FaultParameterType::string, false, "",
                       "a node action (system definition [node.actions]) run to completion while the node is "
                       "stopped, before the restart, e.g. \"cold_backup\""}},
       .resource = "process",
       .check = check},
      fault_factory<ProcessKill>());
}

}  // namespace firedrill
