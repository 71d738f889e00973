// The fault catalog; see catalog.h.
#include "catalog.h"

#include <csignal>

namespace firedrill {

const std::vector<FaultKind>& fault_catalog() {
  static const std::vector<FaultKind> kinds = {
      {"process.kill",
       "kill a node's process with a signal; optionally restart it, as a service manager would",
       "the signal is sent to the node's process",
       "the process has exited and been reaped",
       "restart after `restart_after`, if given; otherwise restart at the heal (end of the fault phase)",
       "none beyond running the drill",
       false,
       {{"signal", FaultParameterType::signal, false, "SIGKILL",
         "SIGKILL, SIGTERM, SIGINT, SIGQUIT, SIGHUP or SIGABRT"},
        {"restart_after", FaultParameterType::duration, false, "",
         "restart the node this long after it exited (absent: at the heal)"}}},
      {"process.pause",
       "freeze a node's process (SIGSTOP), as a long GC pause or a hung VM would",
       "SIGSTOP to the node's process",
       "/proc/PID/stat shows state T",
       "SIGCONT when `duration` has passed",
       "none beyond running the drill",
       true,
       {}},
  };
  return kinds;
}

const FaultKind* find_fault_kind(const std::string& name) {
  for (const auto& kind : fault_catalog()) {
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

}  // namespace firedrill
