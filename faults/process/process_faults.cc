// process.kill and process.pause; see process_faults.h.
#include "process/process_faults.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>

#include "catalog.h"
#include "supervision/supervisor.h"

namespace firedrill {
namespace {

using Clock = std::chrono::steady_clock;

// Checks `observed` every 100 µs until it holds (done: ok) or the deadline passes (done:
// error). The evidence is collected at that moment.
class Poller : public std::enable_shared_from_this<Poller> {
 public:
  Poller(FaultContext& context, std::function<bool()> observed, std::string what,
         std::function<boost::json::object()> evidence, FaultDone done)
      : timer_(context.io),
        deadline_(Clock::now() + context.step_deadline),
        observed_(std::move(observed)),
        what_(std::move(what)),
        evidence_(std::move(evidence)),
        done_(std::move(done)) {}

  void check() {
    if (observed_()) return done_(Status::ok(), evidence_());
    if (Clock::now() >= deadline_) {
      return done_(Status::error(what_ + ": not observed before the step deadline"), evidence_());
    }
    timer_.expires_after(std::chrono::microseconds(100));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) { self->check(); });
  }

 private:
  boost::asio::steady_timer timer_;
  Clock::time_point deadline_;
  std::function<bool()> observed_;
  std::string what_;
  std::function<boost::json::object()> evidence_;
  FaultDone done_;
};

void poll_until(FaultContext& context, std::function<bool()> observed, std::string what,
                std::function<boost::json::object()> evidence, FaultDone done) {
  std::make_shared<Poller>(context, std::move(observed), std::move(what), std::move(evidence),
                           std::move(done))
      ->check();
}

class ProcessKill : public Fault {
 public:
  ProcessKill(const FaultSpec& spec, std::string node, FaultContext& context)
      : node_(std::move(node)), context_(context) {
    if (auto it = spec.parameters.find("signal"); it != spec.parameters.end()) {
      signal_name_ = std::get<std::string>(it->second);
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
    Status restarted = context_.supervisor.restart_after(node_, std::chrono::milliseconds(0));
    if (!restarted) return done(restarted.with_context("process.kill revert"), {{"node", node_}});
    poll_until(
        context_, [this] { return context_.supervisor.running(node_); },
        "process.kill revert: node " + node_ + ": restart",
        [this] {
          return boost::json::object{{"node", node_},
                                     {"pid", context_.supervisor.pid(node_).value_or(0)}};
        },
        std::move(done));
  }

 private:
  const std::string kind_ = "process.kill";
  std::string node_;
  std::string signal_name_ = "SIGKILL";
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
