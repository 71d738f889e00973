// The fault phase's schedule: one timer per planned step, armed at the start of the phase. An
// apply step resolves its target, makes the fault, pushes its revert on the undo stack, records
// FaultApply and applies it; the verified outcome goes on the timeline (FaultApplied with the gap
// from the scheduled instant, or FaultApplyFailed). A revert step reverts that fault through the undo
// stack. cancel() disarms every timer (the heal, an abort, the end).
// Runs on the runner's io_context thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "plan/plan.h"
#include "runner/fault_wiring.h"
#include "runner/revert_stack.h"
#include "runner/target_resolution.h"
#include "scenario/scenario.h"

namespace firedrill {

class Console;
class Timeline;

// What the schedule works with; everything outlives it.
struct FaultScheduleParts {
  boost::asio::io_context& io;
  Timeline& timeline;
  Console& console;
  const Scenario& scenario;
  FaultWiring& factory;
  TargetResolver& resolver;
  RevertStack& reverts;
  FailureSink fail;
  std::function<bool()> ending;  // true once the drill is ending: no new fault is applied
};

class FaultSchedule {
 public:
  explicit FaultSchedule(FaultScheduleParts parts) : parts_(std::move(parts)) {}

  // Arms a timer for every step of `plan`, each at `phase_start` + its offset.
  void start(const Plan& plan, std::chrono::steady_clock::time_point phase_start);
  // Disarms every timer not yet fired.
  void cancel();
  // Faults whose apply was verified.
  int64_t applied() const { return applied_; }

 private:
  void apply_step(const PlannedStep& step);
  void apply_on(const PlannedStep& step, const std::string& node, int64_t scheduled_ns);

  FaultScheduleParts parts_;
  std::vector<std::shared_ptr<boost::asio::steady_timer>> timers_;
  int64_t applied_ = 0;
};

}  // namespace firedrill
