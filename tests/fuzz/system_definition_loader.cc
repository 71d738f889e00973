// Fuzz target: the system definition loader (harness/scenario: load_system_definition) on any
// bytes as a system definition file (written to system.toml in the scratch directory).
// Must hold: a rejected file has diagnostics, each naming a file; an accepted one has 1 to
// kNodesMax nodes with distinct names, and every static role a list names is a node's.
#include <set>
#include <string>

#include "core/limits.h"
#include "scenario/scenario.h"
#include "rejection_checks.h"
#include "targets.h"

namespace firedrill::fuzz {

void system_definition_loader(std::string_view input) {
  const std::string path = scratch_file("system.toml", input);
  auto loaded = load_system_definition(path);
  if (check_rejection(loaded)) return;
  const SystemDefinition& system = std::get<SystemDefinition>(loaded);
  FUZZ_CHECK(!system.nodes.empty() && static_cast<int64_t>(system.nodes.size()) <= kNodesMax,
             std::to_string(system.nodes.size()) + " nodes");
  std::set<std::string> names;
  for (const NodeDefinition& node : system.nodes) {
    FUZZ_CHECK(names.insert(node.name).second, "node " + node.name + " twice");
    FUZZ_CHECK(system.find_node(node.name) != nullptr, node.name);
  }
  for (const ListPlaceholder& list : system.lists) {
    FUZZ_CHECK(system.has_static_role(list.role), "list " + list.name + " of role " + list.role);
  }
  for (const auto& [name, value] : system.parameters) (void)parameter_text(value);
}

}  // namespace firedrill::fuzz
