// Facts about the machine and the person running firedrill: the kernel, the host name, the real
// user (mapped out of a user namespace), the CI job, and the tool's own version. The runner
// writes them into the timeline's first record; the auditor sections of report.json (evidence/)
// state them, preferring what the timeline recorded, since a report can be re-scored elsewhere.
// A low folder (core only) so that the runner and evidence both use it without depending on
// each other.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace firedrill {

inline constexpr const char* kToolName = "firedrill";

// Facts about the machine and the person, gathered where they are needed. Facts the timeline's
// first record holds ("user", "uid", "host", "kernel", "user_namespace") win over these in a
// report.
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
// `netem` is left unknown: the caller sets it from the fault library's netem check.
HostFacts current_host_facts();

// "firedrill 0.1.0".
std::string tool_version();

}  // namespace firedrill
