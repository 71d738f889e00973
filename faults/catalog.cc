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
         "restart the node this long after it exited (absent: at the heal)"},
        {"while_stopped", FaultParameterType::string, false, "",
         "a node action (system definition [node.actions]) run to completion while the node is "
         "stopped, before the restart, e.g. \"cold_backup\""}}},
      {"process.pause",
       "freeze a node's process (SIGSTOP), as a long GC pause or a hung VM would",
       "SIGSTOP to the node's process",
       "/proc/PID/stat shows state T",
       "SIGCONT when `duration` has passed",
       "none beyond running the drill",
       true,
       {}},
      {"network.partition",
       "cut the network between groups of nodes (and the client), both ways or one way",
       "blackhole routes installed through netlink in the nodes' network namespaces",
       "a probe connection across the cut fails",
       "exactly the routes that were added are removed",
       "CAP_NET_ADMIN in the lab (root, or the lab's user namespace)",
       true,
       {{"groups", FaultParameterType::node_groups, false, "",
         "two or more groups cut from each other both ways, e.g. [[\"ledger-1\"], [\"ledger-2\", \"client\"]]"},
        {"from", FaultParameterType::node_list, false, "", "one way: traffic from these ..."},
        {"to", FaultParameterType::node_list, false, "", "... to these is dropped (give both, or `groups`)"}},
       false},
      {"network.isolate",
       "take a node off the network entirely",
       "the node's link is set down through netlink",
       "a probe connection to the node fails",
       "the link is set up again",
       "CAP_NET_ADMIN in the lab",
       true,
       {}},
      {"network.bandwidth",
       "squeeze a node's bandwidth (e.g. replication traffic)",
       "a TBF qdisc on the node's link through netlink",
       "the qdisc is listed on the link",
       "the qdisc is removed",
       "CAP_NET_ADMIN in the lab",
       true,
       {{"rate", FaultParameterType::bandwidth, true, "", "the rate, e.g. \"1mbit\" or \"512kbit\""}}},
      {"network.delay",
       "add latency to a node's traffic (needs netem in the running kernel)",
       "a netem qdisc; refused before the drill starts when the kernel lacks netem",
       "the qdisc is listed",
       "the qdisc is removed",
       "CAP_NET_ADMIN in the lab; CONFIG_NET_SCH_NETEM",
       true,
       {{"delay", FaultParameterType::duration, true, "", "added one-way latency"}}},
      {"network.loss",
       "drop a share of a node's packets (needs netem in the running kernel)",
       "a netem qdisc; refused before the drill starts when the kernel lacks netem",
       "the qdisc is listed",
       "the qdisc is removed",
       "CAP_NET_ADMIN in the lab; CONFIG_NET_SCH_NETEM",
       true,
       {{"percent", FaultParameterType::percent, true, "", "packets dropped, 1 to 100"}}},
      {"disk.full",
       "fill a node's data volume",
       "a ballast file fills the node's tmpfs volume to `percent`",
       "a write on the volume gets ENOSPC (at 100 %), or the volume's use reaches `percent`",
       "the ballast is deleted",
       "write access to the node's volume (the lab's own mount)",
       true,
       {{"percent", FaultParameterType::percent, false, "100", "how full, 1 to 100"}}},
      {"clock.skew",
       "move a node's wall clock (monotonic time is untouched)",
       "the node's clock control page gets the offset (and rate); firedrill's clock shim, preloaded only "
       "into the nodes a clock fault can reach, shows it to every clock read",
       "every process of the node has the clock shim mapped (/proc/PID/maps) and a witness reading through "
       "the shim and the node's page shows the skewed time; a node that does not load the shim is refused",
       "the control page is reset to no offset, normal speed",
       "reading the node's /proc/PID/maps; the node must be a dynamically linked program that keeps "
       "LD_PRELOAD (not Go, not statically linked)",
       true,
       {{"offset", FaultParameterType::offset, true, "", "e.g. \"+10m\" or \"-90s\""},
        {"rate", FaultParameterType::number, false, "", "clock speed factor, e.g. 1.5 (absent: 1)"}}},
      {"storage.loss",
       "lose a node's disk: the process is killed and its data volume emptied; then restore it",
       "SIGKILL to the node's process, then everything in its tmpfs volume is removed",
       "the process is reaped and the volume is empty",
       "when `duration` has passed: the node's `restore` action rebuilds the volume from the "
       "system's backups (timed on the timeline), then the node is started again",
       "write access to the node's volume (the lab's own mount)",
       true,
       {{"restore", FaultParameterType::string, false, "restore",
         "the node action that rebuilds the data directory before the restart; \"none\": "
         "restart on the empty volume (the system re-syncs the node itself)"}},
       true,
       true},
      {"backup.corrupt",
       "flip one byte of a node's newest backup file (bit rot in the backup store)",
       "the byte in the middle of the newest file in the node's {backup_dir} matching `pattern` "
       "is inverted",
       "the byte reads back inverted",
       "the byte is put back at the heal (so nothing is left behind)",
       "write access to the drill's backup store",
       false,
       {{"pattern", FaultParameterType::string, false, "*",
         "a glob of file names in the node's backup directory, e.g. \"full-*.sqlite\" or "
         "\"archive-*.ndjson\""}}},
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
