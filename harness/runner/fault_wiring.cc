// The runner's wiring of the fault library; see fault_wiring.h.
#include "runner/fault_wiring.h"

#include "catalog.h"
#include "core/limits.h"
#include "clock/clock_control.h"
#include "clock/clock_control_file.h"
#include "network/network_faults.h"

namespace firedrill {

FaultWiring::FaultWiring(boost::asio::io_context& io, Supervisor& supervisor)
    : context_{io, supervisor, kFaultStepDeadlineMs, nullptr, nullptr, {}, {}, {}, {}, {}} {}

void FaultWiring::connect(FaultServices services) {
  context_.network = services.network;
  context_.volumes = services.volumes;
  context_.clock_control = std::move(services.clock_control);
  context_.clock_shim = std::move(services.clock_shim);
  context_.backup_dir = std::move(services.backup_dir);
  context_.run_action = std::move(services.run_action);
  context_.resolve = std::move(services.resolve);
}

Result<std::unique_ptr<Fault>> FaultWiring::make(const FaultSpec& spec, const std::string& node) {
  return make_fault(spec, node, context_);
}

FaultTargeting targeting_of(const std::string& kind) {
  const FaultKind* found = find_fault_kind(kind);
  if (!found) return {};
  return FaultTargeting{found->needs_target, found->whole_static_role};
}

Status FaultWiring::preflight(const Scenario& scenario) const {
  for (const auto& f : scenario.faults) {
    if (f.kind == "network.delay" || f.kind == "network.loss") {
      if (Status s = netem_available(); !s) {
        return Status::error("fault[" + std::to_string(f.index) + "] " + f.kind + " refused: " + s.message());
      }
    }
  }
  return Status::ok();
}

Status create_clock_control(const std::string& path) {
  auto page = ClockControlFile::create(path);
  return page ? Status::ok() : page.status();
}

const char* clock_control_variable() { return clock_control_env; }

}  // namespace firedrill
