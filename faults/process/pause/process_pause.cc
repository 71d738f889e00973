// process.pause; see process_pause.h.
#include "process/pause/process_pause.h"

#include <csignal>

#include "fault_kind.h"

namespace firedrill {
namespace {

class ProcessPause : public Fault {
 public:
  ProcessPause(const FaultSpec&, std::string node, FaultContext& context) : node_(std::move(node)), context_(context) {}
  const std::string& kind() const override { return kind_; }
  const std::string& node() const override { return node_; }

  void apply(FaultDone done) override { step(SIGSTOP, true, "process.pause", std::move(done)); }
  void revert(FaultDone done) override { step(SIGCONT, false, "process.pause revert", std::move(done)); }

 private:
  // Sends `signal`, then waits until the state is T (`stopped`) or is not. A revert of a
  // process that is gone has nothing to do.
  void step(int signal, bool stopped, const std::string& what, FaultDone done) {
    context_.place.process_state(node_, [=, this](Result<ProcessState> state) {
      if (!state || !state->running) {
        if (!stopped) return done(Status::ok(), {{"node", node_}, {"gone", true}});
        return done(Status::error("process.pause: node " + node_ + ": not running"), {{"node", node_}});
      }
      const int pid = state->pid;
      context_.place.signal_node(node_, signal, false, [=, this](Status sent, Evidence) {
        if (!sent) return done(sent.with_context(what), {{"node", node_}});
        context_.place.wait_state(node_, 'T', stopped, [=, this](Status s, Evidence seen) {
          boost::json::object evidence{{"node", node_}, {"pid", pid}, {"state", seen["state"]}};
          done(s.with_context(what), evidence);
        });
      });
    });
  }

  const std::string kind_ = "process.pause";
  std::string node_;
  FaultContext& context_;
};

}  // namespace

FaultKind process_pause_kind() {
  return fault_kind({"process.pause", "freeze a node's process (SIGSTOP), as a long GC pause or a hung VM would",
                     "SIGSTOP to the node's process", "/proc/PID/stat shows state T",
                     "SIGCONT when `duration` has passed", "none beyond running the drill"},
                    {.needs_duration = true, .resource = "process"}, fault_factory<ProcessPause>());
}

}  // namespace firedrill
