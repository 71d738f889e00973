// The runner's wiring of faults to the lab's Place; see fault_wiring.h.
#include "runner/fault_wiring.h"

#include "core/limits.h"
#include "fault/fault_kinds.h"
#include "lab/clock/clock_control.h"
#include "lab/clock/clock_control_file.h"

namespace firedrill {

FaultWiring::FaultWiring(boost::asio::io_context& io, Place& place)
    : place_(place), context_{io, place_, kFaultStepDeadlineMs, {}} {}

void FaultWiring::set_resolve(
    std::function<void(const std::string& target, std::function<void(Result<std::string>)>)> resolve) {
  context_.resolve = std::move(resolve);
}

Result<std::unique_ptr<Fault>> FaultWiring::make(const FaultSpec& spec, const std::string& node) {
  return builtin_fault_kinds().make(spec, node, context_);
}

FaultTargeting targeting_of(const std::string& kind) {
  const FaultKind* found = builtin_fault_kinds().find(kind);
  if (!found) return {};
  return FaultTargeting{found->entry.needs_target, found->entry.whole_static_role};
}

Status FaultWiring::preflight(const Scenario& scenario) const {
  return builtin_fault_kinds().preflight(scenario.faults, place_);
}

Status create_clock_control(const std::string& path) {
  auto page = ClockControlFile::create(path);
  return page ? Status::ok() : page.status();
}

const char* clock_control_variable() { return clock_control_env; }

}  // namespace firedrill
