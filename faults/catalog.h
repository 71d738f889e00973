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
  percent,      // 1 .. 100
  bandwidth,    // "1mbit", "512kbit", "10mbit": bits per second
  offset,       // a signed duration: "+10m", "-90s"
  number,       // a positive decimal, e.g. a clock rate of 1.5
  node_groups,  // [["ledger-1"], ["ledger-2", "client"]]: nodes, "client" or "role:NAME"
  node_list,    // ["ledger-1", "client"]
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
  // False for kinds that act on several nodes named in their parameters (network.partition).
  bool needs_target = true;
  // True when a static-role target ("role:ledger") means every node with the role at once
  // (storage.loss: the site is lost); otherwise a role target is one node.
  bool whole_static_role = false;
};

// Every fault kind, in the order `firedrill faults` lists them.
const std::vector<FaultKind>& fault_catalog();
// The kind named `name`, or nullptr.
const FaultKind* find_fault_kind(const std::string& name);
// "SIGKILL" → 9; -1 for a name firedrill does not send.
int signal_number(const std::string& name);

}  // namespace firedrill
