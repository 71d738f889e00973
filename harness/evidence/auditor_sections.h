// The sections of report.json written for auditors and regulators (DESIGN.md §6; the research in
// reference/scoring-and-evidence.md §3.2–3.3): scope, objectives frozen before the run, method,
// preconditions, timeline, deviations, limitations and who ran the drill. They are additions to
// the scorer's report (no key of it is replaced), built from the run directory alone (run.json,
// the timeline, scenario.toml, plan.txt) plus facts about the host, so `firedrill score` on
// another machine gives the same sections except where the timeline did not record a fact.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace firedrill {

inline constexpr const char* kToolName = "firedrill";

// Facts about the machine and the person, gathered where the report is written. Facts the
// timeline's first record holds ("user", "uid", "host", "kernel", "user_namespace") win over
// these, since a report can be re-scored elsewhere.
struct HostFacts {
  std::string kernel;    // uname: "Linux 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC …"
  std::string machine;   // uname: "x86_64"
  std::string hostname;  // uname: nodename
  std::string user;      // the login name of `uid`; "" when unknown
  int64_t uid = -1;      // the real user, mapped out of a user namespace
  std::optional<bool> user_namespace;  // whether the process runs in a user namespace
  std::optional<bool> netem;           // whether the kernel has netem; unknown unless the caller checked
  std::string ci_run_url;              // the CI job that ran the drill, when CI says so
};

// The facts of this process: uname, /proc/self/uid_map, the password database, CI variables.
// `netem` is left unknown: the caller sets it from netem_available() (faults/network).
HostFacts current_host_facts();

// The auditor sections for report.json: {"scope", "objectives_frozen", "method",
// "preconditions", "timeline", "deviations", "limitations", "who"}. `run` is run.json and
// `timeline` the records of timeline.jsonl in order (RunData of scoring); run_dir is read for
// scenario.toml, plan.txt, run.json's digest and the timeline's chain head. Malformed or missing
// inputs give nulls and empty lists, never an exception.
boost::json::object auditor_sections(const std::string& run_dir, const boost::json::object& run,
                                     const std::vector<boost::json::object>& timeline);
// `workload_records`: the timeline's records kept apart from `timeline` (scoring's compact
// workload records; none of them is read here, but they are counted).
boost::json::object auditor_sections(const std::string& run_dir, const boost::json::object& run,
                                     const std::vector<boost::json::object>& timeline, const HostFacts& host,
                                     std::size_t workload_records = 0);

// "firedrill 0.1.0".
std::string tool_version();

}  // namespace firedrill
