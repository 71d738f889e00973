// The auditor sections of report.json; see auditor_sections.h.
#include "evidence/auditor_sections.h"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/json_read.h"
#include "core/sha256.h"
#include "core/units.h"
#include "evidence/chain.h"
#include "evidence/manifest.h"
#include "timeline/record.h"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace firedrill {
namespace {

// ---- small JSON helpers ------------------------------------------------------------------

using json_read::field;
// An integer field (int64 or uint64 only: a mistyped one reads as absent), or nullopt.
std::optional<int64_t> integer(const json::object& o, const char* key) {
  const json::value* v = field(o, key);
  if (v && v->is_int64()) return v->as_int64();
  if (v && v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return std::nullopt;
}
// A string field, or "" when absent or not a string.
std::string str(const json::object& o, const char* key) { return json_read::text(o, key); }
// A field copied as it is, or null when absent.
json::value copy_or_null(const json::object& o, const char* key) { return json_read::value_or_null(o, key); }
// An object field, or an empty object.
const json::object& section(const json::object& o, const char* key) { return json_read::object(o, key); }

double ms_of(int64_t ns) { return static_cast<double>(ns / 1000) / 1e3; }

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// ---- UTC from the anchor -----------------------------------------------------------------

// The timeline's anchor, "2026-11-27T23:42:28.690060Z", as µs since the epoch.
std::optional<int64_t> parse_utc_us(const std::string& text) {
  std::tm tm{};
  int year = 0, month = 0, micros = 0;
  char z = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%6d%c", &year, &month, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &micros, &z) != 8 ||
      z != 'Z') {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  return static_cast<int64_t>(timegm(&tm)) * 1'000'000 + micros;
}

std::string format_utc_us(int64_t us) {
  std::time_t seconds = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(us % 1'000'000));
  return out;
}

// Converts a monotonic offset to UTC: anchor UTC + (t − anchor's t).
class Clock {
 public:
  explicit Clock(const json::object* start) {
    if (!start) return;
    anchor_us_ = parse_utc_us(str(*start, "utc"));
    anchor_ns_ = integer(*start, "t_ns").value_or(0);
  }
  json::value utc(int64_t t_ns) const {
    if (!anchor_us_) return nullptr;
    return json::value(format_utc_us(*anchor_us_ + (t_ns - anchor_ns_) / 1000));
  }

 private:
  std::optional<int64_t> anchor_us_;
  int64_t anchor_ns_ = 0;
};

// ---- the timeline, read once ---------------------------------------------------------------

// A line of the timeline: its typed record (which says what it is) beside the object as read.
// Fields a damaged line may lack are read from `raw` where the typed default would say something
// else than these sections always said (a missing field copied as null, a fault index of -1, an
// exit without "expected" not counted), so hand-damaged run directories score as they did.
struct Line {
  const json::object* raw;
  TimelineRecord record;
};

std::vector<Line> typed(const std::vector<json::object>& timeline) {
  std::vector<Line> lines;
  lines.reserve(timeline.size());
  for (const auto& r : timeline) lines.push_back(Line{&r, decode_record(str(r, "source"), str(r, "kind"), r)});
  return lines;
}

template <class R>
bool holds(const Line& line) {
  return std::holds_alternative<R>(line.record);
}

template <class R>
const json::object* first_record(const std::vector<Line>& timeline) {
  for (const auto& line : timeline) {
    if (holds<R>(line)) return line.raw;
  }
  return nullptr;
}

// An event of the timeline for people: offset and UTC beside what happened.
json::object event(const Clock& clock, const json::object& r, json::object fields) {
  int64_t t = integer(r, "t_ns").value_or(0);
  json::object out{{"offset_ms", ms_of(t)}, {"utc", clock.utc(t)}};
  for (auto& [key, value] : fields) out[key] = std::move(value);
  return out;
}

// A fact recorded in the timeline's first record, else the host's.
json::value recorded_or(const json::object* start, const char* key, json::value fallback) {
  if (start) {
    if (const json::value* v = field(*start, key)) return *v;
  }
  return fallback;
}

// ---- the sections --------------------------------------------------------------------------

json::object scope(const json::object& run, const std::vector<Line>& timeline, const json::object* start,
                   const HostFacts& host) {
  json::value topology = nullptr;
  if (const json::object* lab = first_record<HarnessLab>(timeline)) {
    // What the lab added to each node (harness node_setup records): whether the clock shim was
    // preloaded and the environment the lab set, so a reader knows how each node ran.
    std::map<std::string, const json::object*> setups;
    for (const auto& line : timeline) {
      if (const auto* setup = std::get_if<HarnessNodeSetup>(&line.record)) setups[setup->node] = line.raw;
    }
    json::array nodes;
    for (const auto& [name, address] : section(*lab, "nodes")) {
      json::object node{{"name", name}, {"address", address}};
      if (auto it = setups.find(std::string(name)); it != setups.end()) {
        node["clock_shim"] = copy_or_null(*it->second, "clock_shim");
        node["environment_added"] = copy_or_null(*it->second, "environment_added");
        node["volume"] = copy_or_null(*it->second, "volume");
      }
      nodes.push_back(std::move(node));
    }
    topology = json::object{{"controller_address", copy_or_null(*lab, "controller_address")},
                            {"nodes", std::move(nodes)},
                            {"alert_url", copy_or_null(*lab, "alert_url")}};
  }
  const json::object& scenario = section(run, "scenario");
  return json::object{
      {"system", str(scenario, "system")},
      {"environment", "lab: one Linux host, each node in its own network namespace"},
      {"data", "synthetic payments between test accounts; no card or personal data"},
      {"topology", std::move(topology)},
      {"tool", json::object{{"name", kToolName}, {"version", FIREDRILL_VERSION}}},
      {"host", json::object{{"kernel", recorded_or(start, "kernel", json::value(host.kernel))},
                            {"machine", host.machine},
                            {"hostname", recorded_or(start, "host", json::value(host.hostname))}}},
      {"user", recorded_or(start, "user", json::value(host.user))},
      {"uid", recorded_or(start, "uid", host.uid >= 0 ? json::value(host.uid) : json::value(nullptr))},
      {"user_namespace", recorded_or(start, "user_namespace",
                                     host.user_namespace ? json::value(*host.user_namespace) : json::value(nullptr))},
  };
}

json::object objectives_frozen(const std::string& run_dir, const json::object& run) {
  auto digest = sha256_file((fs::path(run_dir) / "run.json").string());
  return json::object{
      {"objectives", copy_or_null(run, "objectives")},
      {"steady_state", copy_or_null(run, "steady_state")},
      {"detection", copy_or_null(run, "detection")},
      {"run_json_sha256", digest ? json::value(*digest) : json::value(nullptr)},
      {"note", "Copied verbatim from run.json, which the controller writes when the drill starts, right after the "
               "timeline's first record and before the lab comes up or any fault is applied; scoring reads these "
               "objectives from run.json, not from the scenario. run.json's SHA-256 is also in the evidence manifest."},
  };
}

json::object method(const std::string& run_dir, const json::object& run) {
  auto text = read_text(fs::path(run_dir) / "scenario.toml");
  auto plan = read_text(fs::path(run_dir) / "plan.txt");
  std::string digest = text ? sha256_hex(*text) : std::string();
  const std::string planned = str(section(run, "scenario"), "digest");
  return json::object{
      {"scenario", json::object{{"name", copy_or_null(section(run, "scenario"), "name")},
                                {"file", "scenario.toml"},
                                {"text", text ? json::value(*text) : json::value(nullptr)},
                                {"sha256", text ? json::value(digest) : json::value(nullptr)},
                                {"matches_run", text && digest == planned}}},
      {"seed", copy_or_null(run, "seed")},
      {"workload", copy_or_null(run, "workload")},
      {"faults", copy_or_null(run, "faults")},
      {"phases", copy_or_null(run, "phases")},
      {"plan", plan ? json::value(*plan) : json::value(nullptr)},
  };
}

json::object preconditions(const std::vector<Line>& timeline, const Clock& clock) {
  json::object phases;
  json::array failed;
  for (const auto& line : timeline) {
    const json::object& r = *line.raw;
    if (const auto* entered = std::get_if<HarnessPhase>(&line.record)) {
      const std::string& phase = entered->phase;
      if ((phase == "system_up" || phase == "baseline") && !phases.contains(phase)) {
        phases[phase] = event(clock, r, {});
      }
    } else if (holds<HarnessPreconditionFailed>(line)) {
      // Every field as recorded, so that a precondition recorded with more fields shows them.
      json::object fields;
      for (const auto& [key, value] : r) {
        if (key != "seq" && key != "t_ns" && key != "source" && key != "kind" && key != "prev") fields[key] = value;
      }
      failed.push_back(event(clock, r, std::move(fields)));
    }
  }
  return json::object{
      {"system_up", phases.contains("system_up") ? phases["system_up"] : json::value(nullptr)},
      {"baseline", phases.contains("baseline") ? phases["baseline"] : json::value(nullptr)},
      {"held", failed.empty() && phases.contains("baseline")},
      {"failed", std::move(failed)},
      {"note", "The system must become healthy (system_up) and the steady state must hold through the baseline "
               "before any fault; otherwise the drill is inconclusive."},
  };
}

json::object timeline_section(const std::string& run_dir, const std::vector<Line>& timeline,
                              std::size_t workload_records, const json::object* start, const Clock& clock) {
  json::array phases, faults;
  for (const auto& line : timeline) {
    const json::object& r = *line.raw;
    if (const auto* entered = std::get_if<HarnessPhase>(&line.record)) {
      phases.push_back(event(clock, r, {{"phase", entered->phase}}));
    } else if (source_of(line.record) == kFaultSource && !holds<FaultRevertRegistered>(line)) {
      faults.push_back(event(clock, r, {{"fault", copy_or_null(r, "fault")}, {"event", kind_of(line.record)},
                                        {"fault_kind", copy_or_null(r, "fault_kind")}}));
    } else if (holds<HarnessEnd>(line) || holds<HarnessAbort>(line)) {
      phases.push_back(event(clock, r, {{"phase", kind_of(line.record)}}));
    }
  }
  return json::object{
      {"file", kTimelineFile},
      {"utc_anchor", start ? copy_or_null(*start, "utc") : json::value(nullptr)},
      {"chain_head", chain_head((fs::path(run_dir) / kTimelineFile).string())},
      {"records", static_cast<int64_t>(timeline.size() + workload_records)},  // readable records
      {"phases", std::move(phases)},
      {"faults", std::move(faults)},
      {"clock", "offset_ms: the controller's monotonic clock since the drill started; utc: utc_anchor plus that "
                "offset"},
  };
}

// The injection gap of an apply's outcome (FaultApplied or FaultApplyFailed), and its `verified`.
json::object injection_gap(const json::object& r, const FaultApplyResult& result, bool verified,
                           std::map<int64_t, std::string>& nodes) {
  const int64_t t = integer(r, "t_ns").value_or(0);
  const int64_t scheduled = result.scheduled_ns.value_or(t);
  const int64_t index = integer(r, "fault").value_or(-1);
  return json::object{{"fault", index}, {"kind", copy_or_null(r, "fault_kind")}, {"node", nodes[index]},
                      {"scheduled_ms", ms_of(scheduled)}, {"applied_ms", ms_of(t)},
                      {"gap_ms", ms_of(result.gap_ns.value_or(t - scheduled))}, {"verified", verified}};
}

json::object deviations(const std::vector<Line>& timeline, const Clock& clock) {
  json::array gaps, not_verified, revert_failures, errors, exits;
  json::value aborted = nullptr;
  bool ended = false;
  std::map<int64_t, std::string> nodes;  // fault → node, from its apply record
  for (const auto& line : timeline) {
    const json::object& r = *line.raw;
    std::visit(overloaded{
                   [&](const FaultApply& apply) { nodes[integer(r, "fault").value_or(-1)] = apply.node; },
                   [&](const FaultApplied& applied) { gaps.push_back(injection_gap(r, applied, true, nodes)); },
                   [&](const FaultApplyFailed& failed) {
                     gaps.push_back(injection_gap(r, failed, false, nodes));
                     not_verified.push_back(
                         event(clock, r, {{"fault", integer(r, "fault").value_or(-1)}, {"error", failed.error}}));
                   },
                   [&](const FaultRevertFailed& failed) {
                     revert_failures.push_back(event(clock, r, {{"fault", copy_or_null(r, "fault")}, {"error", failed.error}}));
                   },
                   [&](const HarnessError& error) {
                     errors.push_back(event(clock, r, {{"where", error.where}, {"error", error.error}}));
                   },
                   [&](const HarnessAbort& abort) { aborted = abort.reason; },
                   [&](const HarnessEnd&) { ended = true; },
                   [&](const SupervisorExited& exited) {
                     // Only an exit recorded as unexpected: a line without "expected" is not one.
                     const json::value* expected = field(r, "expected");
                     if (!expected || !expected->is_bool() || expected->as_bool()) return;
                     exits.push_back(event(clock, r, {{"node", exited.node}, {"exit_code", copy_or_null(r, "exit_code")},
                                                      {"signal", copy_or_null(r, "signal")}}));
                   },
                   [](const auto&) {}},
               line.record);
  }
  bool none = not_verified.empty() && revert_failures.empty() && errors.empty() && exits.empty() &&
              aborted.is_null() && ended;
  return json::object{
      {"none", none},
      {"injection_gaps", std::move(gaps)},
      {"faults_not_verified", std::move(not_verified)},
      {"revert_failures", std::move(revert_failures)},
      {"harness_errors", std::move(errors)},
      {"unexpected_exits", std::move(exits)},
      {"aborted", std::move(aborted)},
      {"interrupted", !ended},
      {"manual_actions", "none: the drill runs unattended from start to report"},
  };
}

// Whether the timeline says the kernel lacks netem (a refused or failed network fault).
bool timeline_says_no_netem(const std::vector<Line>& timeline) {
  for (const auto& line : timeline) {
    if (!holds<HarnessPreconditionFailed>(line) && !holds<FaultApplyFailed>(line) && !holds<HarnessError>(line)) {
      continue;
    }
    const json::object& r = *line.raw;
    const std::string text = str(r, "what") + " " + str(r, "error");
    if (text.find("netem") != std::string::npos) return true;
  }
  return false;
}

json::array limitations(const std::vector<Line>& timeline, const HostFacts& host) {
  json::array out{
      "Single host: every node, the lab network and the controller share one Linux kernel, its CPUs, memory and "
      "disks; failures and timings across real machines, racks or sites can differ.",
      "Simulated network: nodes are network namespaces joined by virtual links on that host; there are no real "
      "switches, routers, WAN latency or middleboxes.",
  };
  if (host.netem == false || timeline_says_no_netem(timeline)) {
    out.push_back("This kernel has no netem queueing discipline (sch_netem): network delay and loss faults could "
                  "not be injected here; they are refused, never approximated.");
  } else if (!host.netem) {
    out.push_back("Network delay and loss faults need the kernel's netem (sch_netem); whether this kernel has it was "
                  "not checked when this report was written.");
  }
  out.push_back("Clock faults use firedrill's clock shim, preloaded only into the nodes a clock fault of the drill can "
                "reach; it shifts only the wall-clock time a program reads through dynamically linked libc calls "
                "(clock_gettime, gettimeofday, time). A clock fault is in effect only when every process of the node "
                "has the shim mapped; statically linked programs, runtimes that read the vDSO themselves (e.g. Go) "
                "and wrappers that clear LD_PRELOAD are refused, never reported as skewed. The kernel's clocks are "
                "untouched.");
  out.push_back("Clocks: every measurement uses the controller's monotonic clock; UTC times are the first record's "
                "UTC plus the monotonic offset, so they carry the host clock's error at that instant (its "
                "synchronisation status is not recorded) and ignore later steps of the wall clock.");
  out.push_back("One sample: detection and recovery times vary from run to run; the seed repeats the plan, not the "
                "exact timing. The uncertainty of each figure is stated beside it.");
  out.push_back("Black-box checks: reconciliation proves what the ledgers' final exports contain, not that no "
                "anomaly happened and healed in between.");
  out.push_back("The workload is synthetic, at the scenario's rate; it is not production traffic.");
  out.push_back("The evidence is tamper-evident, not tamper-proof: whoever controls the host during the drill could "
                "forge it before it is signed. Keep the chain head and the signature outside the host (CI log, "
                "ticket) to pin them.");
  return out;
}

json::object who(const json::object* start, const HostFacts& host) {
  json::object out{
      {"user", recorded_or(start, "user", json::value(host.user))},
      {"uid", recorded_or(start, "uid", host.uid >= 0 ? json::value(host.uid) : json::value(nullptr))},
      {"host", recorded_or(start, "host", json::value(host.hostname))},
      {"started_utc", start ? copy_or_null(*start, "utc") : json::value(nullptr)},
      {"user_namespace", recorded_or(start, "user_namespace",
                                     host.user_namespace ? json::value(*host.user_namespace) : json::value(nullptr))},
      {"source", start && field(*start, "user") ? "the timeline's first record"
                                                : "the process that wrote this report (not recorded in the timeline)"},
  };
  if (!host.ci_run_url.empty()) out["ci_run_url"] = host.ci_run_url;
  return out;
}

}  // namespace

json::object auditor_sections(const std::string& run_dir, const json::object& run,
                              const std::vector<json::object>& timeline) {
  return auditor_sections(run_dir, run, timeline, current_host_facts());
}

json::object auditor_sections(const std::string& run_dir, const json::object& run,
                              const std::vector<json::object>& records, const HostFacts& host,
                              std::size_t workload_records) {
  const std::vector<Line> timeline = typed(records);
  const json::object* start = first_record<HarnessStart>(timeline);
  Clock clock(start);
  return json::object{
      {"scope", scope(run, timeline, start, host)},
      {"objectives_frozen", objectives_frozen(run_dir, run)},
      {"method", method(run_dir, run)},
      {"preconditions", preconditions(timeline, clock)},
      {"timeline", timeline_section(run_dir, timeline, workload_records, start, clock)},
      {"deviations", deviations(timeline, clock)},
      {"limitations", limitations(timeline, host)},
      {"who", who(start, host)},
  };
}

}  // namespace firedrill
