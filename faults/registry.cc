// The one explicit list of fault kinds this build implements (no static self-registration,
// which a static library can silently drop). Add a kind: catalog.cc, a class, a line here.
#include "fault.h"
#include "process/process_faults.h"

namespace firedrill {

Result<std::unique_ptr<Fault>> make_fault(const FaultSpec& spec, const std::string& node,
                                          FaultContext& context) {
  using Factory = std::unique_ptr<Fault> (*)(const FaultSpec&, const std::string&, FaultContext&);
  static const std::pair<const char*, Factory> kFactories[] = {
      {"process.kill", &make_process_kill},
      {"process.pause", &make_process_pause},
  };
  for (const auto& [kind, factory] : kFactories) {
    if (spec.kind == kind) return factory(spec, node, context);
  }
  return Status::error("fault " + spec.kind + ": not implemented in this build");
}

}  // namespace firedrill
