// The runner's wiring of faults to the lab's Place; see fault_wiring.h.
#include "runner/fault_wiring.h"

#include "core/limits.h"
#include "fault/fault_kinds.h"
#include "lab/clock/clock_control.h"
#include "lab/clock/clock_control_file.h"

namespace firedrill {
namespace {

// A fault whose steps' evidence says what the place's remote commands cost during the step
// ("remote": commands, the largest round trip, the step's uncertainty). Nothing for the lab.
class MeasuredFault : public Fault {
 public:
  MeasuredFault(std::unique_ptr<Fault> inner, Place& place) : inner_(std::move(inner)), place_(place) {}
  const std::string& kind() const override { return inner_->kind(); }
  const std::string& node() const override { return inner_->node(); }
  void apply(FaultDone done) override { inner_->apply(measured(std::move(done))); }
  void revert(FaultDone done) override { inner_->revert(measured(std::move(done))); }

 private:
  FaultDone measured(FaultDone done) {
    return [this, mark = place_.round_trip_mark(), done = std::move(done)](Status status, boost::json::object evidence) {
      const RoundTrips trips = place_.round_trips_since(mark);
      if (trips.commands > 0) {
        evidence["remote"] = {{"commands", trips.commands},
                              {"round_trip_max_us", trips.max_us},
                              {"round_trip_total_us", trips.total_us}};
      }
      done(std::move(status), std::move(evidence));
    };
  }

  std::unique_ptr<Fault> inner_;
  Place& place_;
};

}  // namespace

FaultWiring::FaultWiring(boost::asio::io_context& io, Place& place)
    : place_(place), context_{io, place_, kFaultStepDeadlineMs, {}} {}

void FaultWiring::set_resolve(
    std::function<void(const std::string& target, std::function<void(Result<std::string>)>)> resolve) {
  context_.resolve = std::move(resolve);
}

Result<std::unique_ptr<Fault>> FaultWiring::make(const FaultSpec& spec, const std::string& node) {
  auto made = builtin_fault_kinds().make(spec, node, context_);
  if (!made) return made;
  return std::unique_ptr<Fault>(std::make_unique<MeasuredFault>(std::move(*made), place_));
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
