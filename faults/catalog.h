// The fault kinds a scenario may name, with their parameters: pure data shared by the scenario
// validator (which parameters, which types), `firedrill faults` (the listing) and the fault
// classes. Adding a kind: an entry here, a class beside it, a line in the registration function
// (faults/README.md).
#pragma once

#include <string>
#include <vector>

namespace firedrill {

enum class FaultParameterType {
  duration,  // "5s"
  signal,    // "SIGKILL", "SIGTERM", ...
  string,
  integer,
};

struct FaultParameter {
  std::string name;
  FaultParameterType type;
  bool required = false;
  std::string default_text;  // as a user would write it; empty when there is no default
  std::string help;
};

struct FaultKind {
  std::string name;         // as written in [[fault]] kind = "..."
  std::string summary;      // one line
  std::string mechanism;    // how it is made real
  std::string verified_by;  // what observation makes it T0
  std::string reverted_by;
  std::string privileges;
  // True when the fault lasts for a `duration` that the scenario must give.
  bool needs_duration = false;
  std::vector<FaultParameter> parameters;
};

// Every fault kind, in the order `firedrill faults` lists them.
const std::vector<FaultKind>& fault_catalog();
// The kind named `name`, or nullptr.
const FaultKind* find_fault_kind(const std::string& name);
// "SIGKILL" → 9; -1 for a name firedrill does not send.
int signal_number(const std::string& name);

}  // namespace firedrill
