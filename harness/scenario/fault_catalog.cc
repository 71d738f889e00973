// The loader's view of the fault kinds; see fault_catalog.h.
#include "scenario/fault_catalog.h"

#include <csignal>

namespace firedrill {
namespace {

// The nodes a target may act on: the node, every node of a static role, or for a dynamic role
// every node (any of them may hold it when the fault happens).
std::vector<const NodeDefinition*> possible_nodes(const std::string& target, const SystemDefinition& system) {
  std::string name = target.size() > 5 ? target.substr(5) : "";
  if (target.rfind("node:", 0) == 0) {
    const NodeDefinition* node = system.find_node(name);
    return node ? std::vector<const NodeDefinition*>{node} : std::vector<const NodeDefinition*>{};
  }
  if (!system.find_dynamic_role(name)) return system.nodes_with_role(name);
  std::vector<const NodeDefinition*> all;
  for (const auto& n : system.nodes) all.push_back(&n);
  return all;
}

}  // namespace

const FaultKindEntry* FaultCatalog::find(const std::string& name) const {
  for (const auto& kind : kinds_) {
    if (kind.name == name) return &kind;
  }
  return nullptr;
}

int signal_number(const std::string& name) {
  struct {
    const char* name;
    int number;
  } const known[] = {{"SIGKILL", SIGKILL}, {"SIGTERM", SIGTERM}, {"SIGINT", SIGINT},
                     {"SIGQUIT", SIGQUIT}, {"SIGHUP", SIGHUP},   {"SIGABRT", SIGABRT}};
  for (const auto& k : known) {
    if (name == k.name) return k.number;
  }
  return -1;
}

void check_node_action(const FaultCheck& check, const std::string& key, const std::string& hint_if_default) {
  const FaultSpec& f = check.fault;
  const SystemDefinition& system = check.scenario.system;
  auto it = f.parameters.find(key);
  if (it == f.parameters.end() || system.path.empty()) return;
  const std::string& action = std::get<std::string>(it->second);
  if (action == "none") return;
  auto nodes = possible_nodes(f.target, system);
  bool dynamic = f.target.rfind("role:", 0) == 0 && system.find_dynamic_role(f.target.substr(5));
  std::string missing;
  bool any = false;
  for (const NodeDefinition* n : nodes) {
    if (n->actions.count(action)) any = true;
    else missing += (missing.empty() ? "" : ", ") + n->name;
  }
  if (missing.empty() || (dynamic && any)) return;
  std::string hint = check.written(key) ? "" : hint_if_default;
  check.error(key, "node " + missing + " of system " + system.name + " has no action \"" + action +
                       "\" in its [node.actions]" + hint);
}

}  // namespace firedrill
