// Loading a system definition file: the nodes to launch, their roles, how a dynamic role is
// found, and the payment contract; see scenario.h and scenarios/README.md.
#include <toml++/toml.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <algorithm>
#include <regex>
#include <set>

#include "core/limits.h"
#include "scenario/monitoring_definition.h"
#include "scenario/monitoring_nodes.h"
#include "scenario/scenario.h"
#include "scenario/ssh_url.h"
#include "scenario/table_reader.h"

namespace firedrill {
namespace {

const std::regex kNodeName("[a-z][a-z0-9-]{0,31}");
const std::regex kActionName("[a-z][a-z0-9_-]{0,31}");

// [node.actions]: name = ["program", "arg", ...], each a non-empty command.
void read_actions(const toml::table& table, const std::string& path, NodeDefinition& node,
                  const std::string& file, Diagnostics& d) {
  TableReader r(table, path, file, d);
  for (const auto& [k, v] : table) {
    std::string name(k.str());
    if (!std::regex_match(name, kActionName)) {
      r.error(name, "\"" + name + "\" is not a valid action name (a-z, 0-9, _ and -, at most 32)");
      continue;
    }
    auto command = r.strings(name);
    if (!command) continue;
    if (command->empty()) {
      r.error(name, "must name a program");
      continue;
    }
    node.actions[name] = *command;
  }
  r.finish();
}

// [role.NAME] held_by: the nodes that can hold a dynamic role, as node names and "role:STATIC";
// every node when absent. Returned as node names in definition order, each once.
std::vector<std::string> read_held_by(TableReader& r, const SystemDefinition& system) {
  std::vector<std::string> held_by;
  auto wanted = r.strings("held_by");
  if (!wanted) {
    for (const auto& n : system.nodes) held_by.push_back(n.name);
    return held_by;
  }
  if (wanted->empty()) r.error("held_by", "names no node (omit it: every node can hold the role)");
  std::set<std::string> chosen;
  for (const std::string& entry : *wanted) {
    if (entry.rfind("role:", 0) == 0) {
      auto holders = system.nodes_with_role(entry.substr(5));
      if (holders.empty()) r.error("held_by", "no node has static role \"" + entry.substr(5) + "\"");
      for (const NodeDefinition* n : holders) chosen.insert(n->name);
    } else if (system.find_node(entry)) {
      chosen.insert(entry);
    } else {
      r.error("held_by", "no node is named \"" + entry + "\" (a node name or \"role:STATIC\")");
    }
  }
  for (const auto& n : system.nodes) {
    if (chosen.count(n.name)) held_by.push_back(n.name);
  }
  return held_by;
}

std::optional<ParameterValue> parameter_from_node(const toml::node& node) {
  if (auto s = node.as_string()) return ParameterValue(s->get());
  if (auto i = node.as_integer()) return ParameterValue(i->get());
  if (auto b = node.as_boolean()) return ParameterValue(b->get());
  if (auto f = node.as_floating_point()) return ParameterValue(f->get());
  return std::nullopt;
}

// A node on a host: host, data_dir, and for an attached node pid_command, start and stop.
void read_host(TableReader& r, NodeDefinition& node) {
  if (auto host = r.string("host")) {
    // Kept even when malformed (the definition fails on this error anyway), so that the checks
    // below do not add errors of their own about a node "without a host".
    node.host = *host;
    // With {i} (a node with a count) the address is checked per copy, once {i} is replaced.
    if (host->find("{i}") == std::string::npos) {
      if (auto endpoint = parse_ssh_url(*host); !endpoint) r.error("host", endpoint.status().message());
    }
  }
  if (auto v = r.string("data_dir")) node.data_dir = *v;
  if (auto v = r.string("pid_command")) node.pid_command = *v;
  if (auto v = r.string("start")) node.start_command = *v;
  if (auto v = r.string("stop")) node.stop_command = *v;
  if (auto v = r.boolean("allow_host_clock")) node.allow_host_clock = *v;
  if (node.host.empty()) {
    for (const char* key : {"data_dir", "pid_command", "start", "stop", "allow_host_clock"}) {
      if (r.node(key)) r.error(key, std::string("only a node on a host (host = \"ssh://...\") has ") + key);
    }
    return;
  }
  if (node.data_dir.empty()) {
    r.error("host", "a node on a host names its data_dir (where it keeps its data: {data_dir}, disk.full's ballast)");
  } else if (node.data_dir.front() != '/') {
    r.error("data_dir", "must be an absolute path");
  }
  if (node.attached() && (node.start_command.empty() || node.stop_command.empty())) {
    r.error("pid_command", "an attached node (pid_command) also names its start and stop commands");
  }
  if (!node.attached() && (!node.start_command.empty() || !node.stop_command.empty())) {
    r.error(node.start_command.empty() ? "stop" : "start",
            "start and stop are for an attached node (one with pid_command); firedrill starts `command` itself");
  }
}

void read_node(const toml::table& table, int index, SystemDefinition& system, TableReader& top,
               Diagnostics& d) {
  TableReader r(table, "node[" + std::to_string(index) + "]", top.file(), d);
  NodeDefinition node;
  auto name = r.string("name", true);
  auto count = r.integer("count", 1, kNodesMax);
  if (auto roles = r.strings("roles")) node.roles = *roles;
  if (auto command = r.strings("command", true)) {
    node.command = *command;
    if (command->empty()) r.error("command", "must name a program");
  }
  if (const toml::table* env = r.table("environment")) {
    for (const auto& [k, v] : *env) {
      if (!v.is_string()) {
        add_diagnostic(d, top.file(), v, r.key_path("environment." + std::string(k.str())),
                       "expected a string");
        continue;
      }
      node.environment[std::string(k.str())] = *v.value<std::string>();
    }
  }
  if (auto size = r.size_bytes("volume_size", kVolumeMinBytes, kVolumeMaxBytes)) node.volume_bytes = *size;
  if (auto url = r.string("health_url")) node.health_url = *url;
  if (auto url = r.string("export_url")) node.export_url = *url;
  if (auto url = r.string("balances_url")) node.balances_url = *url;
  if (auto url = r.string("metrics_url")) node.metrics_url = *url;
  if (auto t = r.duration("ready_timeout", Milliseconds(100), kPhaseDurationMaxMs)) node.ready_timeout = *t;
  if (auto t = r.duration("stop_grace", Milliseconds(0), kRequestDurationMaxMs)) node.stop_grace = *t;
  if (auto t = r.duration("action_timeout", Milliseconds(100), kActionTimeoutMaxMs)) node.action_timeout = *t;
  if (const toml::table* actions = r.table("actions")) {
    read_actions(*actions, r.key_path("actions"), node, top.file(), d);
  }
  read_host(r, node);
  r.finish();
  if (!name) return;
  int64_t n = count.value_or(1);
  if (n > 1 && name->find("{i}") == std::string::npos) {
    r.error("name", "with count > 1 the name must contain {i}, e.g. \"ledger-{i}\"");
    return;
  }
  for (int64_t i = 1; i <= n; ++i) {
    NodeDefinition copy = node;
    copy.name = *name;
    for (std::string* field : {&copy.name, &copy.host, &copy.data_dir}) {
      for (auto at = field->find("{i}"); at != std::string::npos; at = field->find("{i}")) field->replace(at, 3, std::to_string(i));
    }
    if (node.host.find("{i}") != std::string::npos) {
      if (auto endpoint = parse_ssh_url(copy.host); !endpoint) {
        r.error("host", endpoint.status().message());
        return;
      }
    }
    if (!std::regex_match(copy.name, kNodeName)) {
      r.error("name", "\"" + copy.name + "\" is not a valid node name (a-z, 0-9 and -, at most 32)");
      return;
    }
    if (copy.name == "client" || copy.name == kPrometheusNode || copy.name == kAlertmanagerNode ||
        system.find_node(copy.name)) {
      r.error("name", "\"" + copy.name + "\" is already taken");
      return;
    }
    system.nodes.push_back(std::move(copy));
  }
}

void read_payments(const toml::table& table, SystemDefinition& system, const std::string& file,
                   Diagnostics& d) {
  TableReader r(table, "payments", file, d);
  PaymentContract& p = system.payments;
  if (auto v = r.string("base_url", true)) p.base_url = *v;
  for (auto [key, field] : {std::pair{"path", &p.path}, std::pair{"key_field", &p.key_field},
                            std::pair{"from_field", &p.from_field}, std::pair{"to_field", &p.to_field},
                            std::pair{"amount_field", &p.amount_field},
                            std::pair{"timestamp_field", &p.timestamp_field},
                            std::pair{"account_pattern", &p.account_pattern}}) {
    if (auto v = r.string(key)) *field = *v;
  }
  if (p.account_pattern.find("{i}") == std::string::npos) {
    r.error("account_pattern", "must contain {i}, the account number");
  }
  if (auto v = r.integer("initial_balance", 0, kInitialBalanceMax)) p.initial_balance = *v;
  for (auto [key, list] : {std::pair{"success_statuses", &p.success_statuses},
                           std::pair{"failure_statuses", &p.failure_statuses}}) {
    const toml::array* array = r.array(key);
    if (!array) continue;
    list->clear();
    for (const auto& element : *array) {
      auto status = element.value<int64_t>();
      if (!element.is_integer() || *status < 100 || *status > 599) {
        add_diagnostic(d, file, element, r.key_path(key), "expected HTTP status codes (100-599)");
        continue;
      }
      list->push_back(*status);
    }
  }
  r.finish();
}

}  // namespace

std::string parameter_text(const ParameterValue& value) {
  struct {
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(double f) const { return std::to_string(f); }
    std::string operator()(Milliseconds ms) const {
      return ms.count() < 0 ? "-" + format_duration(-ms) : format_duration(ms);
    }
    std::string operator()(const NodeGroups& groups) const {
      std::string out = "[";
      for (const auto& group : groups) {
        out += out.size() > 1 ? ", [" : "[";
        for (std::size_t i = 0; i < group.size(); ++i) out += (i ? ", " : "") + group[i];
        out += "]";
      }
      return out + "]";
    }
  } visitor;
  return std::visit(visitor, value);
}

const NodeDefinition* SystemDefinition::find_node(const std::string& node_name) const {
  for (const auto& n : nodes) {
    if (n.name == node_name) return &n;
  }
  return nullptr;
}

bool SystemDefinition::has_static_role(const std::string& role) const { return !nodes_with_role(role).empty(); }

std::vector<const NodeDefinition*> SystemDefinition::nodes_with_role(const std::string& role) const {
  std::vector<const NodeDefinition*> found;
  for (const auto& n : nodes) {
    if (std::find(n.roles.begin(), n.roles.end(), role) != n.roles.end()) found.push_back(&n);
  }
  return found;
}

const DynamicRole* SystemDefinition::find_dynamic_role(const std::string& role) const {
  for (const auto& r : dynamic_roles) {
    if (r.name == role) return &r;
  }
  return nullptr;
}

namespace {

void read_parameters(TableReader& top, SystemDefinition& system, const std::string& path, Diagnostics& d) {
  const toml::table* t = top.table("parameters");
  if (!t) return;
  for (const auto& [k, v] : *t) {
    auto value = parameter_from_node(v);
    if (!value) {
      add_diagnostic(d, path, v, "parameters." + std::string(k.str()),
                     "expected a string, integer, boolean or number default");
      continue;
    }
    system.parameters[std::string(k.str())] = *value;
  }
}

void read_nodes(TableReader& top, SystemDefinition& system, const std::string& path, Diagnostics& d) {
  const toml::array* nodes = top.array("node", true);
  if (!nodes) return;
  int index = 0;
  for (const auto& element : *nodes) {
    if (const toml::table* t = element.as_table()) {
      read_node(*t, index, system, top, d);
    } else {
      add_diagnostic(d, path, element, "node", "expected [[node]] tables");
    }
    ++index;
  }
  if (system.nodes.empty() && d.empty()) top.error("node", "at least one [[node]] is required");
  const auto on_host = [](const NodeDefinition& n) { return n.on_host(); };
  const auto hosted = std::count_if(system.nodes.begin(), system.nodes.end(), on_host);
  if (hosted > 0 && hosted < static_cast<int64_t>(system.nodes.size())) {
    const auto lab = std::find_if_not(system.nodes.begin(), system.nodes.end(), on_host);
    top.error("node", "node " + lab->name + " has no host while others have one: a drill runs every node in the lab "
                      "or every node on hosts");
  }
  if (static_cast<int64_t>(system.nodes.size()) > kNodesMax) {
    top.error("node", "more than " + std::to_string(kNodesMax) + " nodes");
  }
}

// [ssh]: how the hosts are reached. Required when the nodes live on hosts; the key files must be
// there (an unreadable key is a validation error, not a failed drill).
void read_ssh(TableReader& top, SystemDefinition& system, const std::string& path, Diagnostics& d) {
  const toml::table* table = top.table("ssh", system.on_hosts());
  if (!table) return;
  TableReader r(*table, "ssh", path, d);
  SshSettings& ssh = system.ssh;
  if (auto v = r.string("identity_file", true)) ssh.identity_file = *v;
  if (auto v = r.string("known_hosts", true)) ssh.known_hosts = *v;
  if (auto v = r.string("config")) {
    ssh.config = *v;
    if (v->empty()) r.error("config", "an ssh_config path, or \"none\" to read none");
  }
  if (auto v = r.duration("connect_timeout", Milliseconds(1'000), kPhaseDurationMaxMs)) ssh.connect_timeout = *v;
  if (auto v = r.duration("alive_timeout", Milliseconds(1'000), kPhaseDurationMaxMs)) ssh.alive_timeout = *v;
  if (auto v = r.string("controller_address", true)) ssh.controller_address = *v;
  if (auto v = r.duration("switch_grace", Milliseconds(1'000), kPhaseDurationMaxMs)) ssh.switch_grace = *v;
  if (auto v = r.duration("heartbeat_grace", Milliseconds(3'000), kPhaseDurationMaxMs)) ssh.heartbeat_grace = *v;
  if (auto v = r.string("clock_shim")) ssh.clock_shim = *v;
  // The key files are read when a drill starts (on the machine that runs it), not here: a
  // definition validates anywhere, the scenario library too.
  r.finish();
}

// Calls `read` with a reader of each sub-table of table `key` ([role.NAME], [list.NAME]); a
// value that is not a table is reported as `expected`.
template <typename Read>
void for_each_subtable(TableReader& top, const std::string& key, const std::string& expected,
                       const std::string& path, Diagnostics& d, Read read) {
  const toml::table* tables = top.table(key);
  if (!tables) return;
  for (const auto& [k, v] : *tables) {
    std::string name(k.str());
    if (!v.is_table()) {
      add_diagnostic(d, path, v, key + "." + name, expected);
      continue;
    }
    TableReader r(*v.as_table(), key + "." + name, path, d);
    read(name, r);
    r.finish();
  }
}

void read_dynamic_roles(TableReader& top, SystemDefinition& system, const std::string& path, Diagnostics& d) {
  for_each_subtable(top, "role", "expected a table with url and pointer", path, d,
                    [&system](const std::string& name, TableReader& r) {
    DynamicRole role{name, r.string("url", true).value_or(""), r.string("pointer", true).value_or(""), {}};
    if (!role.pointer.empty() && role.pointer.front() != '/') {
      r.error("pointer", "a JSON pointer starts with '/', e.g. \"/primary\"");
    }
    if (system.has_static_role(name)) r.error("url", "role " + name + " is also a static node role");
    role.held_by = read_held_by(r, system);
    system.dynamic_roles.push_back(std::move(role));
  });
}

void read_lists(TableReader& top, SystemDefinition& system, const std::string& path, Diagnostics& d) {
  for_each_subtable(top, "list", "expected a table with role and item", path, d,
                    [&system](const std::string& name, TableReader& r) {
    ListPlaceholder list;
    list.name = name;
    list.role = r.string("role", true).value_or("");
    list.item = r.string("item", true).value_or("");
    if (auto sep = r.string("separator")) list.separator = *sep;
    if (auto prefix = r.string("prefix")) list.prefix = *prefix;
    if (auto suffix = r.string("suffix")) list.suffix = *suffix;
    if (!list.role.empty() && !system.has_static_role(list.role)) {
      r.error("role", "no node has role \"" + list.role + "\"");
    }
    system.lists.push_back(std::move(list));
  });
}

}  // namespace

std::variant<SystemDefinition, Diagnostics> load_system_definition(const std::string& path) {
  Diagnostics d;
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    d.add(Diagnostic{path, static_cast<int>(begin.line), static_cast<int>(begin.column), "",
                     std::string(e.description())});
    return d;
  }
  SystemDefinition system;
  system.path = path;
  TableReader top(root, "", path, d);
  if (const toml::table* t = top.table("system", true)) {
    TableReader r(*t, "system", path, d);
    if (auto v = r.string("name", true)) system.name = *v;
    if (auto v = r.string("description")) system.description = *v;
    r.finish();
  }
  read_parameters(top, system, path, d);
  read_nodes(top, system, path, d);
  read_dynamic_roles(top, system, path, d);
  read_lists(top, system, path, d);
  read_ssh(top, system, path, d);
  read_monitoring(top, system, path, d);
  if (const toml::table* t = top.table("payments", true)) read_payments(*t, system, path, d);
  top.finish();
  if (!d.empty()) return d;
  return system;
}

}  // namespace firedrill
