// `firedrill faults`; see fault_listing.h.
#include "cli/fault_listing.h"

#include <iostream>

#include "fault/fault_kinds.h"
#include "lab/changes/lab_change.h"
#include "remote/host_place.h"

namespace firedrill {
namespace {

const char* type_name(FaultParameterType type) {
  switch (type) {
    case FaultParameterType::duration: return "duration";
    case FaultParameterType::signal: return "signal";
    case FaultParameterType::string: return "string";
    case FaultParameterType::integer: return "integer";
    case FaultParameterType::percent: return "percent";
    case FaultParameterType::bandwidth: return "rate";
    case FaultParameterType::offset: return "signed duration";
    case FaultParameterType::number: return "number";
    case FaultParameterType::node_groups: return "groups of nodes";
    case FaultParameterType::node_list: return "list of nodes";
  }
  return "?";
}

}  // namespace

int list_faults() {
  for (const FaultKindEntry& k : builtin_fault_kinds().catalog().kinds()) {
    std::cout << k.name << "\n  " << k.summary << "\n"
              << "  mechanism:   " << k.mechanism << "\n"
              << "  verified:    " << k.verified_by << "\n"
              << "  reverted by: " << k.reverted_by << "\n"
              << "  privileges:  " << k.privileges << "\n"
              << "  on hosts:    " << (host_support(k.name).supported ? "" : "no: ") << host_support(k.name).how << "\n"
              << "  parameters:  target, at" << (k.needs_duration ? ", duration" : "") << "\n";
    for (const auto& p : k.parameters) {
      std::cout << "    " << p.name << " (" << type_name(p.type) << (p.required ? ", required" : "")
                << (p.default_text.empty() ? "" : ", default " + p.default_text) << "): " << p.help
                << "\n";
    }
  }
  return 0;
}

bool kernel_has_netem() { return netem_available().is_ok(); }

}  // namespace firedrill
