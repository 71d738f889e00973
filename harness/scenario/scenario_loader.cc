// Loading and validating a scenario file; see scenario.h and scenarios/README.md.
#include <toml++/toml.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "faults/catalog.h"
#include "scenario/scenario.h"
#include "scenario/table_reader.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

// Relative definition paths are looked up beside the scenario, then in each parent directory
// (so "sample-system/refpay.toml" works from scenarios/ and scenarios/ci/), then in the
// current directory. A path the file system refuses (a name longer than NAME_MAX: std::filesystem
// threw, found by tests/fuzz/) is not found.
std::optional<std::string> find_definition(const std::string& scenario_path, const std::string& path) {
  auto is_file = [](const fs::path& p) {
    std::error_code ignored;
    return fs::is_regular_file(p, ignored);
  };
  if (fs::path(path).is_absolute()) return is_file(path) ? std::optional(path) : std::nullopt;
  std::error_code absolute_error;  // then the loop ends at once: an empty path is its own root
  for (fs::path dir = fs::absolute(scenario_path, absolute_error).parent_path();; dir = dir.parent_path()) {
    if (is_file(dir / path)) return (dir / path).lexically_normal().string();
    if (dir == dir.root_path()) break;
  }
  if (is_file(path)) return path;
  return std::nullopt;
}

void read_drill(TableReader& r, DrillSpec& drill) {
  static const std::regex kName("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  if (auto v = r.string("name", true)) {
    if (std::regex_match(*v, kName)) {
      drill.name = *v;
    } else {
      r.error("name", "\"" + *v + "\" must be 1-64 letters, digits, '.', '_' or '-'");
    }
  }
  if (auto v = r.string("description")) drill.description = *v;
  if (auto v = r.integer("seed", 0, std::numeric_limits<int64_t>::max())) drill.seed = static_cast<uint64_t>(*v);
  if (auto v = r.duration("duration", Milliseconds(1'000), limits::drill_duration_max, true)) drill.duration = *v;
  if (auto v = r.duration("baseline", Milliseconds(0), Milliseconds(600'000))) drill.baseline = *v;
  if (auto v = r.duration("convergence", Milliseconds(0), Milliseconds(600'000))) drill.convergence = *v;
  r.finish();
}

void read_workload(TableReader& r, WorkloadSpec& w) {
  if (auto v = r.string("kind")) {
    if (*v != "payments") r.error("kind", "\"" + *v + "\" is not a workload kind (known: \"payments\")");
  }
  if (auto v = r.number("rate_per_s", 0.1, limits::rate_per_s_max)) w.rate_per_s = *v;
  if (auto v = r.integer("accounts", 2, limits::accounts_max)) w.accounts = *v;
  if (auto v = r.integer("amount_max", 1, int64_t{1} << 40)) w.amount_max = *v;
  if (auto v = r.duration("timeout", Milliseconds(10), Milliseconds(60'000))) w.timeout = *v;
  if (auto v = r.integer("in_flight_max", 1, limits::in_flight_max)) w.in_flight_max = *v;
  if (auto v = r.integer("retries", 0, 10)) w.retries = *v;
  if (auto v = r.duration("retry_delay", Milliseconds(0), Milliseconds(60'000))) w.retry_delay = *v;
  r.finish();
}

void read_steady_state(TableReader& r, SteadyStateSpec& s) {
  if (auto v = r.number("success_ratio_min", 0, 1)) s.success_ratio_min = *v;
  if (auto v = r.duration("latency_p99_max", Milliseconds(1), Milliseconds(600'000))) s.latency_p99_max = *v;
  if (auto v = r.duration("window", Milliseconds(100), Milliseconds(600'000))) s.window = *v;
  if (auto v = r.duration("hold", Milliseconds(0), Milliseconds(600'000))) s.hold = *v;
  if (auto v = r.duration("probe_interval", Milliseconds(10), Milliseconds(60'000))) s.probe_interval = *v;
  r.finish();
}

// Why a log pattern is refused, if it is. Two checks come before std::regex sees it (both found
// by tests/fuzz/): libstdc++ compiles by recursion, so thousands of nested groups overflow the
// stack (hence the length limit); and it reads a repetition count ({n,m}) or a back-reference
// (\n) into a long without an overflow check (hence at most 9 digits after '{', ',' or '\').
std::optional<std::string> log_pattern_error(const std::string& pattern) {
  if (pattern.size() > limits::log_pattern_bytes_max) {
    return "longer than " + std::to_string(limits::log_pattern_bytes_max) + " bytes";
  }
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern[i] != '{' && pattern[i] != ',' && pattern[i] != '\\') {
      ++i;
      continue;
    }
    std::size_t end = ++i;
    while (end < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[end]))) ++end;
    if (end - i > 9) return std::string("a repetition count or back-reference of more than 9 digits");
    i = end;
  }
  try {
    std::regex check(pattern);
  } catch (const std::regex_error& e) {
    return std::string("not a valid regular expression: ") + e.what();
  }
  return std::nullopt;
}

void read_detection(TableReader& r, DetectionSpec& d, const SystemDefinition* system) {
  if (auto v = r.strings("alerts")) d.alerts = *v;
  if (auto v = r.integer("probe_failures", 1, 1000)) d.probe_failures = *v;
  if (const toml::array* logs = r.array("log")) {
    int index = 0;
    for (const auto& element : *logs) {
      std::string path = r.key_path("log[" + std::to_string(index++) + "]");
      if (!element.is_table()) {
        add_diagnostic(r.diagnostics(), r.file(), element, path, "expected [[detection.log]] tables");
        continue;
      }
      TableReader lr(*element.as_table(), path, r.file(), r.diagnostics());
      LogPattern p{lr.string("node", true).value_or(""), lr.string("pattern", true).value_or("")};
      if (auto error = log_pattern_error(p.pattern)) lr.error("pattern", *error);
      if (system && !p.node.empty() && !system->find_node(p.node)) {
        lr.error("node", "no node named \"" + p.node + "\" in " + system->path);
      }
      lr.finish();
      d.log_patterns.push_back(std::move(p));
    }
  }
  r.finish();
}

void read_objectives(TableReader& r, ObjectivesSpec& o) {
  o.detect_within = r.duration("detect_within", Milliseconds(1), limits::drill_duration_max);
  o.recover_within = r.duration("recover_within", Milliseconds(1), limits::drill_duration_max);
  o.lost_payments_max = r.integer("lost_payments_max", 0, std::numeric_limits<int32_t>::max());
  o.duplicated_payments_max = r.integer("duplicated_payments_max", 0, std::numeric_limits<int32_t>::max());
  o.availability_min = r.number("availability_min", 0, 1);
  o.mtbf = r.duration("mtbf", Milliseconds(3'600'000), Milliseconds(100LL * 365 * 86'400'000));
  o.restore_within = r.duration("restore_within", Milliseconds(1), limits::drill_duration_max);
  o.rpo_within = r.duration("rpo_within", Milliseconds(0), limits::drill_duration_max);
  r.finish();
}

// [stop]: the abort guards. The error-ratio guard needs both its threshold and its duration.
void read_stop(TableReader& r, const toml::table& table, StopSpec& stop) {
  stop.error_ratio_max = r.number("error_ratio_max", 0, 1);
  if (stop.error_ratio_max && *stop.error_ratio_max >= 1) {
    r.error("error_ratio_max", "1 can never be exceeded: the guard would never trip");
    stop.error_ratio_max.reset();
  }
  stop.error_ratio_for = r.duration("error_ratio_for", Milliseconds(0), limits::drill_duration_max);
  stop.no_progress_for = r.duration("no_progress_for", Milliseconds(100), limits::drill_duration_max);
  bool has_max = table.contains("error_ratio_max");
  bool has_for = table.contains("error_ratio_for");
  if (has_max && !has_for) {
    r.error("error_ratio_max", "needs error_ratio_for, how long the ratio must stay above it");
  }
  if (has_for && !has_max) {
    r.error("error_ratio_for", "needs error_ratio_max, the failed + unknown share it must stay above");
  }
  r.finish();
}

// The scenario's [system] table: `definition` plus overrides of declared parameters, each of the
// declared default's type.
void read_system(TableReader& r, const toml::table& table, Scenario& s, const std::string& scenario_path) {
  auto definition = r.string("definition", true);
  if (definition) {
    auto found = find_definition(scenario_path, *definition);
    if (!found) {
      r.error("definition", "no system definition file \"" + *definition + "\" beside " +
                                scenario_path + ", in its parent directories or in the current directory");
    } else {
      auto loaded = load_system_definition(*found);
      if (auto* errors = std::get_if<Diagnostics>(&loaded)) {
        for (const auto& e : errors->list()) r.diagnostics().add(e);
      } else {
        s.system = std::get<SystemDefinition>(std::move(loaded));
        s.system_parameters = s.system.parameters;
      }
    }
  }
  for (const auto& [k, v] : table) {
    std::string key(k.str());
    if (key == "definition") continue;
    r.node(key);  // declared known here; checked against the definition below
    if (s.system.path.empty()) continue;
    auto declared = s.system.parameters.find(key);
    if (declared == s.system.parameters.end()) {
      std::string known;
      for (const auto& [name, value] : s.system.parameters) known += (known.empty() ? "" : ", ") + name;
      const auto& begin = k.source().begin;
      r.diagnostics().add(Diagnostic{r.file(), static_cast<int>(begin.line),
                                     static_cast<int>(begin.column), r.key_path(key),
                                     "not a parameter of system " + s.system.name + " (known: " + known + ")"});
      continue;
    }
    bool same_type = (std::holds_alternative<std::string>(declared->second) && v.is_string()) ||
                     (std::holds_alternative<int64_t>(declared->second) && v.is_integer()) ||
                     (std::holds_alternative<bool>(declared->second) && v.is_boolean()) ||
                     (std::holds_alternative<double>(declared->second) && v.is_number());
    if (!same_type) {
      add_diagnostic(r.diagnostics(), r.file(), v, r.key_path(key),
                     "expected a value like the default " + parameter_text(declared->second));
      continue;
    }
    if (v.is_string()) s.system_parameters[key] = *v.value<std::string>();
    if (v.is_integer()) s.system_parameters[key] = *v.value<int64_t>();
    if (v.is_boolean()) s.system_parameters[key] = *v.value<bool>();
    if (v.is_floating_point()) s.system_parameters[key] = *v.value<double>();
  }
  r.finish();
}

// Normalizes and checks a fault target against the system: "node:N", "role:R" or bare "N".
void check_target(TableReader& r, FaultSpec& f, const SystemDefinition& system) {
  std::string& t = f.target;
  if (t.rfind("node:", 0) != 0 && t.rfind("role:", 0) != 0) t = "node:" + t;
  std::string name = t.substr(5);
  if (system.path.empty()) return;
  if (t.rfind("node:", 0) == 0) {
    if (!system.find_node(name)) {
      std::string known;
      for (const auto& n : system.nodes) known += (known.empty() ? "" : ", ") + n.name;
      r.error("target", "no node named \"" + name + "\" in system " + system.name + " (nodes: " + known + ")");
    }
  } else if (!system.find_dynamic_role(name) && !system.has_static_role(name)) {
    r.error("target", "no role named \"" + name + "\" in system " + system.name);
  }
}

// A node name, "client" or "role:NAME" that the system knows; else a message.
std::optional<std::string> check_member(const std::string& member, const SystemDefinition& system) {
  if (member == "client" || system.path.empty()) return std::nullopt;
  if (member.rfind("role:", 0) == 0) {
    std::string role = member.substr(5);
    if (system.find_dynamic_role(role) || system.has_static_role(role)) return std::nullopt;
    return "no role named \"" + role + "\" in system " + system.name;
  }
  if (system.find_node(member)) return std::nullopt;
  return "no node named \"" + member + "\" in system " + system.name + " (nor \"client\")";
}

// What a fault without a single target acts on, for the plan, the timeline and the reports
// (which say "KIND on TARGET"): its node groups, "ledger-1 | ledger-2,client" for `groups`,
// "client -> gateway" for `from` / `to`; else the kind's name.
std::string describe_nodes(const FaultSpec& f) {
  auto list = [&](const char* key) {
    std::string text;
    auto it = f.parameters.find(key);
    const NodeGroups* groups = it == f.parameters.end() ? nullptr : std::get_if<NodeGroups>(&it->second);
    for (size_t g = 0; groups && g < groups->size(); ++g) {
      if (g > 0) text += " | ";
      for (size_t n = 0; n < (*groups)[g].size(); ++n) text += (n > 0 ? "," : "") + (*groups)[g][n];
    }
    return text;
  };
  if (std::string groups = list("groups"); !groups.empty()) return groups;
  std::string from = list("from"), to = list("to");
  if (!from.empty() && !to.empty()) return from + " -> " + to;
  return f.kind;
}

// Reads a list of node names (or, with `nested`, a list of such lists).
std::optional<NodeGroups> read_node_groups(TableReader& r, const std::string& key, bool nested,
                                           bool required, const SystemDefinition& system) {
  const toml::array* outer = r.array(key, required);
  if (!outer) return std::nullopt;
  NodeGroups groups;
  auto read_group = [&](const toml::array& list) -> bool {
    std::vector<std::string> group;
    for (const auto& element : list) {
      if (!element.is_string()) {
        add_diagnostic(r.diagnostics(), r.file(), element, r.key_path(key), "expected node names (strings)");
        return false;
      }
      std::string member = *element.value<std::string>();
      if (auto problem = check_member(member, system)) {
        add_diagnostic(r.diagnostics(), r.file(), element, r.key_path(key), *problem);
        return false;
      }
      group.push_back(member);
    }
    if (group.empty()) {
      r.error(key, "a group must name at least one node");
      return false;
    }
    groups.push_back(std::move(group));
    return true;
  };
  if (!nested) return read_group(*outer) ? std::optional(groups) : std::nullopt;
  for (const auto& element : *outer) {
    if (!element.is_array()) {
      add_diagnostic(r.diagnostics(), r.file(), element, r.key_path(key),
                     "expected groups of nodes, e.g. [[\"ledger-1\"], [\"ledger-2\", \"client\"]]");
      return std::nullopt;
    }
    if (!read_group(*element.as_array())) return std::nullopt;
  }
  return groups;
}

// Reads the kind's declared parameters into f.parameters, with their types and limits.
void read_fault_parameters(TableReader& r, const FaultKind& kind, const Scenario& s, FaultSpec& f,
                           bool have_at) {
  static const std::regex kBandwidth(R"((\d+)(bit|kbit|mbit|gbit))");
  for (const auto& p : kind.parameters) {
    switch (p.type) {
      case FaultParameterType::duration:
        if (auto v = r.duration(p.name, Milliseconds(1), limits::drill_duration_max, p.required)) {
          f.parameters[p.name] = *v;
          if (p.name == "restart_after" && have_at && s.drill.duration.count() > 0 &&
              f.at + *v > s.drill.duration) {
            r.error(p.name, "would end at \"" + format_duration(f.at + *v) + "\", after the drill (duration \"" +
                                format_duration(s.drill.duration) + "\"); without it the node is restarted at the heal");
          }
        }
        break;
      case FaultParameterType::signal: {
        auto v = r.string(p.name, p.required);
        std::string text = v.value_or(p.default_text);
        if (signal_number(text) < 0) {
          r.error(p.name, "\"" + text + "\" is not a signal firedrill sends (" + p.help + ")");
        }
        f.parameters[p.name] = text;
        break;
      }
      case FaultParameterType::string:
        if (auto v = r.string(p.name, p.required)) f.parameters[p.name] = *v;
        else if (!p.default_text.empty()) f.parameters[p.name] = p.default_text;
        break;
      case FaultParameterType::integer:
        if (auto v = r.integer(p.name, 0, std::numeric_limits<int32_t>::max(), p.required)) f.parameters[p.name] = *v;
        break;
      case FaultParameterType::percent: {
        auto v = r.integer(p.name, 1, 100, p.required);
        if (v) f.parameters[p.name] = *v;
        else if (!p.default_text.empty()) f.parameters[p.name] = int64_t{std::stoll(p.default_text)};
        break;
      }
      case FaultParameterType::number:
        if (auto v = r.number(p.name, 0.001, 1000, p.required)) f.parameters[p.name] = *v;
        break;
      case FaultParameterType::bandwidth:
        if (auto v = r.string(p.name, p.required)) {
          std::smatch m;
          if (!std::regex_match(*v, m, kBandwidth)) {
            r.error(p.name, "expected a rate like \"1mbit\", \"512kbit\" or \"8000bit\", got \"" + *v + "\"");
            break;
          }
          int64_t scale = m[2] == "bit" ? 1 : m[2] == "kbit" ? 1'000 : m[2] == "mbit" ? 1'000'000 : 1'000'000'000;
          int64_t bits = std::stoll(m[1]) * scale;
          if (bits < 8'000 || bits > 100'000'000'000) {
            r.error(p.name, "\"" + *v + "\" is out of range [8kbit, 100gbit]");
            break;
          }
          f.parameters[p.name] = bits;
        }
        break;
      case FaultParameterType::offset:
        if (auto v = r.string(p.name, p.required)) {
          auto parsed = v->size() > 1 && (v->front() == '+' || v->front() == '-')
                            ? parse_duration(std::string_view(*v).substr(1))
                            : Result<Milliseconds>(Status::error("expected a signed duration like \"+10m\" or \"-90s\""));
          if (!parsed) {
            r.error(p.name, parsed.status().message());
            break;
          }
          if (*parsed > Milliseconds(365LL * 86'400'000)) {
            r.error(p.name, "\"" + *v + "\" is more than a year");
            break;
          }
          f.parameters[p.name] = v->front() == '-' ? -*parsed : *parsed;
        }
        break;
      case FaultParameterType::node_groups:
      case FaultParameterType::node_list:
        if (auto v = read_node_groups(r, p.name, p.type == FaultParameterType::node_groups, p.required, s.system)) {
          f.parameters[p.name] = *v;
        }
        break;
    }
  }
}

// network.partition: `groups` (two or more, disjoint) or `from` + `to` (one way).
void check_partition(TableReader& r, const toml::table& table, const FaultSpec& f) {
  bool groups = f.parameters.count("groups") > 0;
  bool from = f.parameters.count("from") > 0;
  bool to = f.parameters.count("to") > 0;
  for (const char* key : {"groups", "from", "to"}) {
    if (table.contains(key) && !f.parameters.count(key)) return;  // already reported
  }
  if (groups == (from || to) || from != to) {
    r.error(groups ? "from" : "groups", "give either `groups` (both ways) or both `from` and `to` (one way)");
    return;
  }
  std::set<std::string> seen;
  const NodeGroups all = groups ? std::get<NodeGroups>(f.parameters.at("groups"))
                                : NodeGroups{std::get<NodeGroups>(f.parameters.at("from")).front(),
                                             std::get<NodeGroups>(f.parameters.at("to")).front()};
  if (all.size() < 2) r.error("groups", "a partition needs at least two groups");
  for (const auto& group : all) {
    for (const auto& member : group) {
      if (!seen.insert(member).second) {
        r.error(groups ? "groups" : "to", "\"" + member + "\" is on both sides of the partition");
        return;
      }
    }
  }
}

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

// A node action a fault runs (storage.loss `restore`, process.kill `while_stopped`) must be
// declared by the nodes it may run on ("none" means no action).
void check_action(TableReader& r, const toml::table& table, const FaultSpec& f, const std::string& key,
                  const SystemDefinition& system) {
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
  std::string hint = key == "restore" && !table.contains(key)
                         ? " (the default); give restore = \"none\" to restart on the empty volume"
                         : "";
  r.error(key, "node " + missing + " of system " + system.name + " has no action \"" + action +
                   "\" in its [node.actions]" + hint);
}

void read_fault(const toml::table& table, int index, Scenario& s, const std::string& file,
                Diagnostics& d) {
  TableReader r(table, "fault[" + std::to_string(index) + "]", file, d);
  FaultSpec f;
  f.index = index;
  const auto& begin = table.source().begin;
  f.where = SourcePosition{file, static_cast<int>(begin.line), static_cast<int>(begin.column)};
  auto kind_name = r.string("kind", true);
  const FaultKind* kind = kind_name ? find_fault_kind(*kind_name) : nullptr;
  if (kind_name && !kind) {
    std::string known;
    for (const auto& k : fault_catalog()) known += (known.empty() ? "" : ", ") + k.name;
    r.error("kind", "\"" + *kind_name + "\" is not a fault kind (known: " + known + ")");
    return;  // its other keys cannot be judged without a kind
  }
  if (kind) f.kind = kind->name;
  if (auto target = r.string("target", kind && kind->needs_target)) {
    f.target = *target;
    check_target(r, f, s.system);
  }
  auto at = r.duration("at", Milliseconds(0), limits::drill_duration_max, true);
  if (at) {
    f.at = *at;
    if (s.drill.duration.count() > 0 && f.at >= s.drill.duration) {
      r.error("at", "\"" + format_duration(f.at) + "\" is not before the end of the drill (duration \"" +
                        format_duration(s.drill.duration) + "\")");
    }
  }
  if (kind && kind->needs_duration) {
    f.duration = r.duration("duration", Milliseconds(1), limits::drill_duration_max, true);
    if (at && f.duration && s.drill.duration.count() > 0 && f.at + *f.duration > s.drill.duration) {
      r.error("duration", "the fault would end at \"" + format_duration(f.at + *f.duration) +
                              "\", after the drill (duration \"" + format_duration(s.drill.duration) + "\")");
    }
  }
  if (kind) read_fault_parameters(r, *kind, s, f, at.has_value());
  if (kind && !kind->needs_target && f.target.empty()) f.target = describe_nodes(f);
  if (kind && kind->name == "network.partition") check_partition(r, table, f);
  if (kind && kind->name == "storage.loss") check_action(r, table, f, "restore", s.system);
  if (kind && kind->name == "process.kill") check_action(r, table, f, "while_stopped", s.system);
  r.finish();
  s.faults.push_back(std::move(f));
}

// When a fault occupies its target: from `at` to its end (its duration, a restart, or the end
// of the drill for a kill without restart).
Milliseconds fault_end(const FaultSpec& f, Milliseconds drill_duration) {
  if (f.duration) return f.at + *f.duration;
  if (auto it = f.parameters.find("restart_after"); it != f.parameters.end()) {
    return f.at + std::get<Milliseconds>(it->second);
  }
  return drill_duration;
}

// What a fault kind takes over on its target; two faults over the same thing of the same
// target at overlapping times cannot both be made real (a paused process cannot be killed and
// restarted independently of the pause; a link has one root qdisc; a volume one ballast).
std::string resource_of(const std::string& kind) {
  if (kind.rfind("process.", 0) == 0) return "process";
  if (kind == "network.bandwidth" || kind == "network.delay" || kind == "network.loss") return "qdisc";
  if (kind == "network.isolate") return "link";
  if (kind == "disk.full") return "volume";
  if (kind == "storage.loss") return "process";  // it kills the node and owns it until restored
  if (kind == "backup.corrupt") return "backups";
  if (kind == "clock.skew") return "clock";
  return "";  // network.partition: routes of its own, any number may overlap
}

void check_coexistence(const Scenario& s, Diagnostics& d) {
  for (std::size_t i = 0; i < s.faults.size(); ++i) {
    for (std::size_t j = i + 1; j < s.faults.size(); ++j) {
      const FaultSpec& a = s.faults[i];
      const FaultSpec& b = s.faults[j];
      if (a.kind.empty() || b.kind.empty() || a.target != b.target) continue;
      std::string resource = resource_of(a.kind);
      if (resource.empty() || resource != resource_of(b.kind)) continue;
      bool overlap = a.at < fault_end(b, s.drill.duration) && b.at < fault_end(a, s.drill.duration);
      if (!overlap) continue;
      d.add(Diagnostic{b.where.file, b.where.line, b.where.column,
                       "fault[" + std::to_string(b.index) + "]",
                       b.kind + " on " + b.target + " at " + format_duration(b.at) +
                           " overlaps fault[" + std::to_string(a.index) + "] (" + a.kind + " from " +
                           format_duration(a.at) + " to " + format_duration(fault_end(a, s.drill.duration)) +
                           ") on the same target: they cannot coexist"});
    }
  }
}

}  // namespace

std::variant<Scenario, Diagnostics> load_scenario(const std::string& path) {
  Diagnostics d;
  Scenario s;
  s.path = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    d.add(Diagnostic{path, 0, 0, "", "cannot open the file"});
    return d;
  }
  std::stringstream text;
  text << in.rdbuf();
  s.text = text.str();
  toml::table root;
  try {
    root = toml::parse(s.text, path);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    d.add(Diagnostic{path, static_cast<int>(begin.line), static_cast<int>(begin.column), "",
                     std::string(e.description())});
    return d;
  }
  TableReader top(root, "", path, d);
  if (const toml::table* t = top.table("drill", true)) {
    TableReader r(*t, "drill", path, d);
    read_drill(r, s.drill);
  }
  if (const toml::table* t = top.table("system", true)) {
    TableReader r(*t, "system", path, d);
    read_system(r, *t, s, path);
  }
  if (const toml::table* t = top.table("workload")) {
    TableReader r(*t, "workload", path, d);
    read_workload(r, s.workload);
  }
  if (const toml::table* t = top.table("steady_state")) {
    TableReader r(*t, "steady_state", path, d);
    read_steady_state(r, s.steady_state);
  }
  if (const toml::table* t = top.table("detection")) {
    TableReader r(*t, "detection", path, d);
    read_detection(r, s.detection, s.system.path.empty() ? nullptr : &s.system);
  }
  if (const toml::array* faults = top.array("fault")) {
    if (faults->size() > limits::faults_max) {
      top.error("fault", "more than " + std::to_string(limits::faults_max) + " faults");
    }
    int index = 0;
    for (const auto& element : *faults) {
      if (const toml::table* t = element.as_table()) {
        read_fault(*t, index, s, path, d);
      } else {
        add_diagnostic(d, path, element, "fault", "expected [[fault]] tables");
      }
      ++index;
    }
  }
  if (const toml::table* t = top.table("objectives")) {
    TableReader r(*t, "objectives", path, d);
    read_objectives(r, s.objectives);
  }
  if (const toml::table* t = top.table("stop")) {
    TableReader r(*t, "stop", path, d);
    read_stop(r, *t, s.stop);
  }
  top.finish();
  check_coexistence(s, d);
  if (!d.empty()) {
    d.sort();
    return d;
  }
  return s;
}

std::string expected_verdict(const std::string& description) {
  static const std::regex kExpected("Expected verdict: (pass|objectives_missed|safety_failure|inconclusive|aborted)\\b");
  std::smatch m;
  return std::regex_search(description, m, kExpected) ? m[1].str() : "";
}

}  // namespace firedrill
