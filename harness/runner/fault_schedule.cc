// The fault phase's schedule; see fault_schedule.h.
#include "runner/fault_schedule.h"

#include <boost/json.hpp>

#include "runner/console.h"
#include "timeline/timeline.h"

namespace json = boost::json;

namespace firedrill {

void FaultSchedule::start(const Plan& plan, std::chrono::steady_clock::time_point phase_start) {
  for (const PlannedStep& step : plan.steps) {
    auto timer = std::make_shared<boost::asio::steady_timer>(parts_.io);
    timer->expires_at(phase_start + step.at);
    timer->async_wait([this, step, timer](const boost::system::error_code& ec) {
      if (ec || parts_.ending()) return;
      if (step.action == PlannedStep::Action::apply) {
        apply_step(step);
      } else {
        parts_.reverts.revert_scheduled(step.fault_index);
      }
    });
    timers_.push_back(timer);
  }
}

void FaultSchedule::cancel() {
  for (auto& timer : timers_) timer->cancel();
}

void FaultSchedule::apply_step(const PlannedStep& step) {
  const int64_t scheduled = parts_.timeline.now_ns();
  parts_.resolver.resolve_step(step, [this, step, scheduled](Result<std::string> node) {
    if (parts_.ending()) return;
    if (!node) return parts_.fail("fault[" + std::to_string(step.fault_index) + "] " + step.kind, node.status());
    apply_on(step, *node, scheduled);
  });
}

void FaultSchedule::apply_on(const PlannedStep& step, const std::string& node, int64_t scheduled_ns) {
  const std::string name = "fault[" + std::to_string(step.fault_index) + "]";
  auto made = parts_.factory.make(parts_.scenario.faults.at(static_cast<std::size_t>(step.fault_index)), node);
  if (!made) return parts_.fail(name, made.status());
  // The revert is registered before the apply runs (STYLE.md habit 2).
  Fault& fault = parts_.reverts.push(step.fault_index, step.kind, node, std::move(*made));
  parts_.timeline.write(FaultApply{.fault = step.fault_index,
                                   .fault_kind = step.kind,
                                   .target = step.target,
                                   .node = node,
                                   .scheduled_ns = scheduled_ns});
  parts_.console.say("apply " + name + " " + step.kind + " on " + node);
  fault.apply([this, step, scheduled_ns, name](Status s, json::object evidence) {
    const int64_t t0 = parts_.timeline.now_ns();
    parts_.timeline.write(fault_apply_outcome(s.is_ok(), {.fault = step.fault_index,
                                                          .fault_kind = step.kind,
                                                          .verified = s.is_ok(),
                                                          .scheduled_ns = scheduled_ns,
                                                          .gap_ns = t0 - scheduled_ns,
                                                          .evidence = std::move(evidence),
                                                          .error = s.message()}));
    if (s) ++applied_;
    if (!s) parts_.fail(name + " apply", s);
  });
}

}  // namespace firedrill
