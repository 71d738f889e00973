// process.kill and process.pause; see process_faults.h.
#include "process/process_faults.h"

#include <csignal>

#include "catalog.h"
#include "poll_until.h"
#include "supervision/supervisor.h"

namespace firedrill {
namespace {

class ProcessKill : public Fault {
 public:
  ProcessKill(const FaultSpec& spec, std::string node, FaultContext& context)
      : index_(spec.index), node_(std::move(node)), context_(context) {
    if (auto it = spec.parameters.find("signal"); it != spec.parameters.end()) {
      signal_name_ = std::get<std::string>(it->second);
    }
    if (auto it = spec.parameters.find("while_stopped"); it != spec.parameters.end()) {
      while_stopped_ = std::get<std::string>(it->second);
    }
  }
  const std::string& kind() const override { return kind_; }
  const std::string& node() const override { return node_; }

  void apply(FaultDone done) override {
    auto pid = context_.supervisor.pid(node_);
    boost::json::object evidence{{"node", node_}, {"signal", signal_name_}, {"pid", pid.value_or(0)}};
    if (!pid) return done(Status::error("process.kill: node " + node_ + ": not running"), evidence);
    Status sent = context_.supervisor.signal(node_, signal_number(signal_name_), true);
    if (!sent) return done(sent.with_context("process.kill"), evidence);
    poll_until(
        context_, [this] { return !context_.supervisor.running(node_); },
        "process.kill: node " + node_ + ": exit", [this, evidence] {
          boost::json::object e = evidence;
          e["reaped"] = !context_.supervisor.running(node_);
          return e;
        },
        std::move(done));
  }

  void revert(FaultDone done) override {
    if (context_.supervisor.running(node_)) {
      return done(Status::ok(), {{"node", node_}, {"already_running", true}});
    }
    if (while_stopped_.empty() || !context_.run_action) return restart({}, std::move(done));
    // Maintenance while the node is down (a cold backup): its outcome is evidence, and the node
    // is restarted whatever it was, as an operator would.
    context_.run_action({index_, node_, while_stopped_, "while_stopped"},
                        [this, done = std::move(done)](ActionOutcome outcome) mutable {
                          boost::json::object action{{"action", while_stopped_},
                                                     {"succeeded", outcome.succeeded},
                                                     {"error", outcome.error}};
                          restart(std::move(action), std::move(done));
                        });
  }

 private:
  void restart(boost::json::object action, FaultDone done) {
    restart_nodes(
        context_, {node_}, "process.kill revert: node " + node_,
        [this, action = std::move(action)] {
          boost::json::object e{{"node", node_}, {"pid", context_.supervisor.pid(node_).value_or(0)}};
          if (!action.empty()) e["while_stopped"] = action;
          return e;
        },
        std::move(done));
  }

  const std::string kind_ = "process.kill";
  int index_;
  std::string node_;
  std::string signal_name_ = "SIGKILL";
  std::string while_stopped_;
  FaultContext& context_;
};

class ProcessPause : public Fault {
 public:
  ProcessPause(std::string node, FaultContext& context) : node_(std::move(node)), context_(context) {}
  const std::string& kind() const override { return kind_; }
  const std::string& node() const override { return node_; }

  void apply(FaultDone done) override {
    auto pid = context_.supervisor.pid(node_);
    if (!pid) return done(Status::error("process.pause: node " + node_ + ": not running"), {{"node", node_}});
    Status sent = context_.supervisor.signal(node_, SIGSTOP, false);
    if (!sent) return done(sent.with_context("process.pause"), {{"node", node_}});
    poll_until(
        context_, [this] { return context_.supervisor.state(node_) == 'T'; },
        "process.pause: node " + node_ + ": state T",
        [this, p = *pid] { return state_evidence(p); }, std::move(done));
  }

  void revert(FaultDone done) override {
    auto pid = context_.supervisor.pid(node_);
    if (!pid) return done(Status::ok(), {{"node", node_}, {"gone", true}});
    Status sent = context_.supervisor.signal(node_, SIGCONT, false);
    if (!sent) return done(sent.with_context("process.pause revert"), {{"node", node_}});
    poll_until(
        context_, [this] { return context_.supervisor.state(node_) != 'T'; },
        "process.pause revert: node " + node_ + ": resumed",
        [this, p = *pid] { return state_evidence(p); }, std::move(done));
  }

 private:
  boost::json::object state_evidence(int pid) const {
    auto state = context_.supervisor.state(node_);
    return {{"node", node_}, {"pid", pid}, {"state", state ? std::string(1, *state) : "gone"}};
  }

  const std::string kind_ = "process.pause";
  std::string node_;
  FaultContext& context_;
};

}  // namespace

std::unique_ptr<Fault> make_process_kill(const FaultSpec& spec, const std::string& node,
                                         FaultContext& context) {
  return std::make_unique<ProcessKill>(spec, node, context);
}

std::unique_ptr<Fault> make_process_pause(const FaultSpec&, const std::string& node,
                                          FaultContext& context) {
  return std::make_unique<ProcessPause>(node, context);
}

}  // namespace firedrill
