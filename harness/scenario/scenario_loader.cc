// Loading and validating a scenario file; see scenario.h and scenarios/README.md.
#include <toml++/toml.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "core/limits.h"
#include "scenario/fault_catalog.h"
#include "scenario/monitoring_check.h"
#include "scenario/monitoring_definition.h"
#include "scenario/monitoring_nodes.h"
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
  if (auto v = r.duration("duration", Milliseconds(1'000), kDrillDurationMaxMs, true)) drill.duration = *v;
  if (auto v = r.duration("baseline", Milliseconds(0), kPhaseDurationMaxMs)) drill.baseline = *v;
  if (auto v = r.duration("convergence", Milliseconds(0), kPhaseDurationMaxMs)) drill.convergence = *v;
  r.finish();
}

void read_workload(TableReader& r, WorkloadSpec& w) {
  if (auto v = r.string("kind")) {
    if (*v != "payments") r.error("kind", "\"" + *v + "\" is not a workload kind (known: \"payments\")");
  }
  if (auto v = r.number("rate_per_s", 0.1, kRatePerSecondMax)) w.rate_per_s = *v;
  if (auto v = r.integer("accounts", 2, kAccountsMax)) w.accounts = *v;
  if (auto v = r.integer("amount_max", 1, kPaymentAmountMax)) w.amount_max = *v;
  if (auto v = r.duration("timeout", Milliseconds(10), kRequestDurationMaxMs)) w.timeout = *v;
  if (auto v = r.integer("in_flight_max", 1, kInFlightMax)) w.in_flight_max = *v;
  if (auto v = r.integer("retries", 0, kWorkloadRetriesMax)) w.retries = *v;
  if (auto v = r.duration("retry_delay", Milliseconds(0), kRequestDurationMaxMs)) w.retry_delay = *v;
  r.finish();
}

void read_steady_state(TableReader& r, SteadyStateSpec& s) {
  if (auto v = r.number("success_ratio_min", 0, 1)) s.success_ratio_min = *v;
  if (auto v = r.duration("latency_p99_max", Milliseconds(1), kPhaseDurationMaxMs)) s.latency_p99_max = *v;
  if (auto v = r.duration("window", Milliseconds(100), kPhaseDurationMaxMs)) s.window = *v;
  if (auto v = r.duration("hold", Milliseconds(0), kPhaseDurationMaxMs)) s.hold = *v;
  if (auto v = r.duration("probe_interval", Milliseconds(10), kRequestDurationMaxMs)) s.probe_interval = *v;
  r.finish();
}

// Why a log pattern is refused, if it is. Two checks come before std::regex sees it (both found
// by tests/fuzz/): libstdc++ compiles by recursion, so thousands of nested groups overflow the
// stack (hence the length limit); and it reads a repetition count ({n,m}) or a back-reference
// (\n) into a long without an overflow check (hence at most 9 digits after '{', ',' or '\').
std::optional<std::string> log_pattern_error(const std::string& pattern) {
  if (pattern.size() > kLogPatternMaxBytes) {
    return "longer than " + std::to_string(kLogPatternMaxBytes) + " bytes";
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
  if (auto files = r.strings("rules")) {
    for (const std::string& file : *files) {
      if (auto resolved = resolve_monitoring_file(r, "rules", file, r.file()); !resolved.empty()) {
        d.rule_files.push_back(resolved);
      }
    }
  }
  if (auto v = r.boolean("prometheus")) {
    d.prometheus = *v;
    if (d.prometheus && system && !system->monitoring.declared() && d.rule_files.empty()) {
      r.error("prometheus", "the system definition " + system->path + " has no [monitoring] table (its rule files)");
    }
    if (d.prometheus && system && system->on_hosts() && system->monitoring.host.empty()) {
      r.error("prometheus", "the nodes live on hosts: the definition's [monitoring] names the host and data_dir where "
                            "Prometheus and Alertmanager run");
    }
    if (d.prometheus && system &&
        std::none_of(system->nodes.begin(), system->nodes.end(), [](const NodeDefinition& n) { return !n.metrics_url.empty(); })) {
      r.error("prometheus", "no node of " + system->path + " has a metrics_url: Prometheus would scrape nothing");
    }
    if (d.prometheus && system && !system->on_hosts() && !system->monitoring.host.empty()) {
      r.error("prometheus", "the definition's [monitoring] names a host, but its nodes run in the lab");
    }
  }
  if (!d.rule_files.empty() && !d.prometheus) r.error("rules", "rule files are for detection through Prometheus (prometheus = true)");
  if (auto v = r.strings("alerts")) d.alerts = *v;
  if (auto v = r.integer("probe_failures", 1, kProbeFailuresMax)) d.probe_failures = *v;
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
  o.detect_within = r.duration("detect_within", Milliseconds(1), kDrillDurationMaxMs);
  o.recover_within = r.duration("recover_within", Milliseconds(1), kDrillDurationMaxMs);
  o.lost_payments_max = r.integer("lost_payments_max", 0, kCountMax);
  o.duplicated_payments_max = r.integer("duplicated_payments_max", 0, kCountMax);
  o.availability_min = r.number("availability_min", 0, 1);
  o.mtbf = r.duration("mtbf", kMtbfMinMs, kMtbfMaxMs);
  o.restore_within = r.duration("restore_within", Milliseconds(1), kDrillDurationMaxMs);
  o.rpo_within = r.duration("rpo_within", Milliseconds(0), kDrillDurationMaxMs);
  r.finish();
}

// [stop]: the abort guards. The error-ratio guard needs both its threshold and its duration.
void read_stop(TableReader& r, const toml::table& table, StopSpec& stop) {
  stop.error_ratio_max = r.number("error_ratio_max", 0, 1);
  if (stop.error_ratio_max && *stop.error_ratio_max >= 1) {
    r.error("error_ratio_max", "1 can never be exceeded: the guard would never trip");
    stop.error_ratio_max.reset();
  }
  stop.error_ratio_for = r.duration("error_ratio_for", Milliseconds(0), kDrillDurationMaxMs);
  stop.no_progress_for = r.duration("no_progress_for", Milliseconds(100), kDrillDurationMaxMs);
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

// Each parameter type's reader: reads `p` into f.parameters, with its type and limits.
void read_signal_parameter(TableReader& r, const FaultParameter& p, FaultSpec& f) {
  auto v = r.string(p.name, p.required);
  std::string text = v.value_or(p.default_text);
  if (signal_number(text) < 0) {
    r.error(p.name, "\"" + text + "\" is not a signal firedrill sends (" + p.help + ")");
  }
  f.parameters[p.name] = text;
}

void read_bandwidth_parameter(TableReader& r, const FaultParameter& p, FaultSpec& f) {
  static const std::regex kBandwidth(R"((\d+)(bit|kbit|mbit|gbit))");
  auto v = r.string(p.name, p.required);
  if (!v) return;
  std::smatch m;
  if (!std::regex_match(*v, m, kBandwidth)) {
    r.error(p.name, "expected a rate like \"1mbit\", \"512kbit\" or \"8000bit\", got \"" + *v + "\"");
    return;
  }
  int64_t scale = m[2] == "bit" ? 1 : m[2] == "kbit" ? 1'000 : m[2] == "mbit" ? 1'000'000 : 1'000'000'000;
  int64_t bits = std::stoll(m[1]) * scale;
  if (bits < kBandwidthMinBitsPerS || bits > kBandwidthMaxBitsPerS) {
    r.error(p.name, "\"" + *v + "\" is out of range [8kbit, 100gbit]");
    return;
  }
  f.parameters[p.name] = bits;
}

void read_offset_parameter(TableReader& r, const FaultParameter& p, FaultSpec& f) {
  auto v = r.string(p.name, p.required);
  if (!v) return;
  auto parsed = v->size() > 1 && (v->front() == '+' || v->front() == '-')
                    ? parse_duration(std::string_view(*v).substr(1))
                    : Result<Milliseconds>(Status::error("expected a signed duration like \"+10m\" or \"-90s\""));
  if (!parsed) {
    r.error(p.name, parsed.status().message());
    return;
  }
  if (*parsed > kClockOffsetMaxMs) {
    r.error(p.name, "\"" + *v + "\" is more than a year");
    return;
  }
  f.parameters[p.name] = v->front() == '-' ? -*parsed : *parsed;
}

void read_parameter(TableReader& r, const FaultParameter& p, const Scenario& s, FaultSpec& f) {
  switch (p.type) {
    case FaultParameterType::duration:
      if (auto v = r.duration(p.name, Milliseconds(1), kDrillDurationMaxMs, p.required)) f.parameters[p.name] = *v;
      return;
    case FaultParameterType::signal:
      return read_signal_parameter(r, p, f);
    case FaultParameterType::string:
      if (auto v = r.string(p.name, p.required)) f.parameters[p.name] = *v;
      else if (!p.default_text.empty()) f.parameters[p.name] = p.default_text;
      return;
    case FaultParameterType::integer:
      if (auto v = r.integer(p.name, 0, kCountMax, p.required)) f.parameters[p.name] = *v;
      return;
    case FaultParameterType::percent:
      if (auto v = r.integer(p.name, 1, 100, p.required)) f.parameters[p.name] = *v;
      else if (!p.default_text.empty()) f.parameters[p.name] = int64_t{std::stoll(p.default_text)};
      return;
    case FaultParameterType::number:
      if (auto v = r.number(p.name, kFaultNumberMin, kFaultNumberMax, p.required)) f.parameters[p.name] = *v;
      return;
    case FaultParameterType::bandwidth:
      return read_bandwidth_parameter(r, p, f);
    case FaultParameterType::offset:
      return read_offset_parameter(r, p, f);
    case FaultParameterType::node_groups:
    case FaultParameterType::node_list:
      if (auto v = read_node_groups(r, p.name, p.type == FaultParameterType::node_groups, p.required, s.system)) {
        f.parameters[p.name] = *v;
      }
      return;
  }
}

// The fault's `at` and, for a kind that lasts, its `duration`, both inside the drill.
void read_fault_times(TableReader& r, const FaultKindEntry* kind, const Scenario& s, FaultSpec& f, bool& at_given) {
  auto at = r.duration("at", Milliseconds(0), kDrillDurationMaxMs, true);
  at_given = at.has_value();
  if (at) {
    f.at = *at;
    if (s.drill.duration.count() > 0 && f.at >= s.drill.duration) {
      r.error("at", "\"" + format_duration(f.at) + "\" is not before the end of the drill (duration \"" +
                        format_duration(s.drill.duration) + "\")");
    }
  }
  if (kind && kind->needs_duration) {
    f.duration = r.duration("duration", Milliseconds(1), kDrillDurationMaxMs, true);
    if (at && f.duration && s.drill.duration.count() > 0 && f.at + *f.duration > s.drill.duration) {
      r.error("duration", "the fault would end at \"" + format_duration(f.at + *f.duration) +
                              "\", after the drill (duration \"" + format_duration(s.drill.duration) + "\")");
    }
  }
}

// The kind named by the entry's `kind`, or nullptr (reported when it names none of the catalog).
const FaultKindEntry* read_fault_kind(TableReader& r, const FaultCatalog& catalog, bool& unknown) {
  auto kind_name = r.string("kind", true);
  const FaultKindEntry* kind = kind_name ? catalog.find(*kind_name) : nullptr;
  unknown = kind_name && !kind;
  if (unknown) {
    std::string known;
    for (const auto& k : catalog.kinds()) known += (known.empty() ? "" : ", ") + k.name;
    r.error("kind", "\"" + *kind_name + "\" is not a fault kind (known: " + known + ")");
  }
  return kind;
}

void read_fault(const toml::table& table, int index, Scenario& s, const FaultCatalog& catalog,
                const std::string& file, Diagnostics& d) {
  TableReader r(table, "fault[" + std::to_string(index) + "]", file, d);
  FaultSpec f;
  f.index = index;
  const auto& begin = table.source().begin;
  f.where = SourcePosition{file, static_cast<int>(begin.line), static_cast<int>(begin.column)};
  bool unknown = false;
  const FaultKindEntry* kind = read_fault_kind(r, catalog, unknown);
  if (unknown) return;  // its other keys cannot be judged without a kind
  if (kind) {
    f.kind = kind->name;
    f.reaches_clock = kind->reaches_clock;
    f.reaches_durability = kind->reaches_durability;
    f.fills_volume = kind->fills_volume;
  }
  if (auto target = r.string("target", kind && kind->needs_target)) {
    f.target = *target;
    check_target(r, f, s.system);
  }
  bool at_given = false;
  read_fault_times(r, kind, s, f, at_given);
  if (kind) {
    for (const auto& p : kind->parameters) read_parameter(r, p, s, f);
    if (!kind->needs_target && f.target.empty()) f.target = describe_nodes(f);
    if (kind->check) {
      kind->check(FaultCheck{f, s, at_given, [&table](const std::string& key) { return table.contains(key); },
                             [&r](const std::string& key, const std::string& message) { r.error(key, message); }});
    }
  }
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

// Two faults over the same resource of the same target (FaultKindEntry::resource) at overlapping
// times cannot both be made real (a paused process cannot be killed and restarted independently
// of the pause; a link has one root qdisc; a volume one ballast).
void check_coexistence(const Scenario& s, const FaultCatalog& catalog, Diagnostics& d) {
  auto resource_of = [&catalog](const std::string& kind) {
    const FaultKindEntry* entry = catalog.find(kind);
    return entry ? entry->resource : std::string();
  };
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

void read_faults(TableReader& top, Scenario& s, const FaultCatalog& catalog, const std::string& path,
                 Diagnostics& d) {
  const toml::array* faults = top.array("fault");
  if (!faults) return;
  if (faults->size() > kFaultsMax) top.error("fault", "more than " + std::to_string(kFaultsMax) + " faults");
  int index = 0;
  for (const auto& element : *faults) {
    if (const toml::table* t = element.as_table()) {
      read_fault(*t, index, s, catalog, path, d);
    } else {
      add_diagnostic(d, path, element, "fault", "expected [[fault]] tables");
    }
    ++index;
  }
}

// The file's bytes into s.text and its TOML into `root`; false (with a diagnostic) when it cannot.
bool parse_file(const std::string& path, Scenario& s, toml::table& root, Diagnostics& d) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    d.add(Diagnostic{path, 0, 0, "", "cannot open the file"});
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  s.text = text.str();
  try {
    root = toml::parse(s.text, path);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    d.add(Diagnostic{path, static_cast<int>(begin.line), static_cast<int>(begin.column), "",
                     std::string(e.description())});
    return false;
  }
  return true;
}

// Reads the optional table `key` of `top` with `read` (which finishes its reader).
template <typename Read>
void read_table(TableReader& top, const std::string& key, bool required, const std::string& path,
                Diagnostics& d, Read read) {
  if (const toml::table* t = top.table(key, required)) {
    TableReader r(*t, key, path, d);
    read(r, *t);
  }
}

}  // namespace

std::variant<Scenario, Diagnostics> load_scenario(const std::string& path, const FaultCatalog& catalog) {
  Diagnostics d;
  Scenario s;
  s.path = path;
  toml::table root;
  if (!parse_file(path, s, root, d)) return d;
  TableReader top(root, "", path, d);
  read_table(top, "drill", true, path, d, [&](TableReader& r, const toml::table&) { read_drill(r, s.drill); });
  read_table(top, "system", true, path, d, [&](TableReader& r, const toml::table& t) { read_system(r, t, s, path); });
  read_table(top, "workload", false, path, d, [&](TableReader& r, const toml::table&) { read_workload(r, s.workload); });
  read_table(top, "steady_state", false, path, d,
             [&](TableReader& r, const toml::table&) { read_steady_state(r, s.steady_state); });
  read_table(top, "detection", false, path, d, [&](TableReader& r, const toml::table&) {
    read_detection(r, s.detection, s.system.path.empty() ? nullptr : &s.system);
  });
  read_faults(top, s, catalog, path, d);
  read_table(top, "objectives", false, path, d,
             [&](TableReader& r, const toml::table&) { read_objectives(r, s.objectives); });
  read_table(top, "stop", false, path, d, [&](TableReader& r, const toml::table& t) { read_stop(r, t, s.stop); });
  top.finish();
  check_coexistence(s, catalog, d);
  if (d.empty() && s.detection.prometheus) {
    // The rule files and programs, once the file itself is sound; then the two nodes join.
    if (!s.detection.rule_files.empty()) s.system.monitoring.rule_files = s.detection.rule_files;
    check_monitoring(s.system, d);
    for (NodeDefinition& n : monitoring_nodes(s.system.monitoring)) s.system.nodes.push_back(std::move(n));
  }
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
