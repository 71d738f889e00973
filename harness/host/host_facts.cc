// Facts about this host and process; see host_facts.h.
#include "host/host_facts.h"

#include <pwd.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace firedrill {
namespace {

// The uid outside any user namespace, from /proc/self/uid_map ("inside outside count" lines);
// `nested` says whether the map is other than the initial namespace's identity map.
int64_t outer_uid(uid_t uid, std::optional<bool>& nested) {
  std::ifstream map("/proc/self/uid_map");
  int64_t inside = 0, outside = 0, count = 0;
  int64_t found = uid;
  bool identity = true, read_any = false;
  while (map >> inside >> outside >> count) {
    read_any = true;
    identity = identity && inside == 0 && outside == 0 && count == 4294967295LL;
    if (uid >= inside && uid < inside + count) found = outside + (uid - inside);
  }
  if (read_any) nested = !identity;
  return found;
}

std::string login_name(int64_t uid) {
  passwd entry{};
  passwd* result = nullptr;
  char buffer[4096];
  if (getpwuid_r(static_cast<uid_t>(uid), &entry, buffer, sizeof buffer, &result) == 0 && result) {
    return result->pw_name;
  }
  return "";
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

std::string tool_version() { return std::string(kToolName) + " " + FIREDRILL_VERSION; }

HostFacts current_host_facts() {
  HostFacts facts;
  utsname u{};
  if (uname(&u) == 0) {
    facts.kernel = std::string(u.sysname) + " " + u.release + " " + u.version;
    facts.machine = u.machine;
    facts.hostname = u.nodename;
  }
  facts.uid = outer_uid(getuid(), facts.user_namespace);
  facts.user = login_name(facts.uid);
  if (!env("GITHUB_RUN_ID").empty()) {
    facts.ci_run_url = env("GITHUB_SERVER_URL") + "/" + env("GITHUB_REPOSITORY") + "/actions/runs/" + env("GITHUB_RUN_ID");
  } else if (!env("CI_JOB_URL").empty()) {
    facts.ci_run_url = env("CI_JOB_URL");
  }
  return facts;
}

}  // namespace firedrill
