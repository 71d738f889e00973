// Placeholder rendering; see render.h.
#include "runner/render.h"

#include <algorithm>
#include <regex>

namespace firedrill {

Result<std::string> render(const std::string& text, const Values& values) {
  static const std::regex kPlaceholder(R"(\{([a-z_][a-z0-9_.-]*)\})");
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), kPlaceholder);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    auto found = values.find(m[1].str());
    if (found == values.end()) {
      return Status::error("unknown placeholder {" + m[1].str() + "} in \"" + text + "\"");
    }
    out.append(text, last, static_cast<std::size_t>(m.position(0)) - last);
    out += found->second;
    last = static_cast<std::size_t>(m.position(0) + m.length(0));
  }
  out.append(text, last, std::string::npos);
  return out;
}

Result<Values> shared_values(const SystemDefinition& system, const RenderInputs& inputs) {
  Values values;
  for (const auto& [name, value] : inputs.parameters) values[name] = parameter_text(value);
  values["bin"] = inputs.bin_dir;
  values["controller_address"] = inputs.controller_address;
  values["alert_url"] = inputs.alert_url;
  values["accounts"] = std::to_string(inputs.accounts);
  if (!inputs.backup_store.empty()) values["backup_store"] = inputs.backup_store;
  if (!inputs.monitoring_dir.empty()) values["monitoring_dir"] = inputs.monitoring_dir;
  for (const auto& [node, address] : inputs.addresses) values["node." + node + ".address"] = address;
  for (const auto& [node, dir] : inputs.data_dirs) values["node." + node + ".data_dir"] = dir;
  for (const ListPlaceholder& list : system.lists) {
    std::string joined;
    for (const NodeDefinition& n : system.nodes) {
      if (std::find(n.roles.begin(), n.roles.end(), list.role) == n.roles.end()) continue;
      auto item = render(list.item, node_values(values, n.name, inputs));
      if (!item) return item.status().with_context("list." + list.name);
      joined += (joined.empty() ? "" : list.separator) + *item;
    }
    values[list.name] = list.prefix + joined + list.suffix;
  }
  return values;
}

Values node_values(const Values& shared, const std::string& node, const RenderInputs& inputs) {
  Values values = shared;
  values["name"] = node;
  if (auto it = inputs.addresses.find(node); it != inputs.addresses.end()) values["address"] = it->second;
  if (auto it = inputs.data_dirs.find(node); it != inputs.data_dirs.end()) values["data_dir"] = it->second;
  if (!inputs.backup_store.empty()) values["backup_dir"] = inputs.backup_store + "/" + node;
  return values;
}

}  // namespace firedrill
