// Starting the system's nodes in the lab: each node's command line, environment and URLs rendered
// from the system definition, the clock shim preloaded into the nodes a clock fault of the plan
// can reach (with its control page made first), and what the lab added to each node recorded on
// the timeline (HarnessNodeSetup) and in node-setup.json (scenarios/README.md, "What the
// lab adds to a node"). Runs on the runner's io_context thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "plan/plan.h"
#include "runner/render.h"
#include "runner/run_paths.h"
#include "scenario/scenario.h"
#include "supervision/supervisor.h"

namespace firedrill {

class Timeline;

// Where the nodes go: the lab that is up, or the hosts, and what the drill knows about it.
struct LaunchSite {
  RunPaths paths;
  std::string bin_dir;
  std::string controller_address;                // as the nodes reach it
  std::map<std::string, std::string> addresses;  // node → its address
  std::map<std::string, std::string> data_dirs;  // node → its data directory (its volume in the lab)
  std::function<int(const std::string& node)> netns_fd;  // the lab's network namespaces; -1 on hosts
  std::string alert_url;
  std::string backup_store;  // {backup_store}: the run directory's in the lab, the host's work directory's on hosts
  std::string clock_shim;   // canonical path (locate_clock_shim); "" when no node runs it
  std::function<std::string(const std::string& node)> clock_page;  // the node's clock control page
  std::string volume_kind;  // "tmpfs" (the lab's own) or "host directory" (the definition's data_dir)
  std::vector<std::string> durable_volumes;  // nodes whose volume is the durability-tracking filesystem
  std::vector<std::string> write_through_volumes;  // of those, the ones without the kernel's write-back cache
  bool network_namespace = true;  // the lab's; false on hosts
  // What the place adds to a node's environment (on hosts: FIREDRILL_WORK_DIR); none when empty.
  std::function<std::map<std::string, std::string>(const std::string& node)> added_environment;
};

// What the launch rendered, for the stages after it: node actions are rendered and started like
// the nodes, faults resolve dynamic roles with the shared values, the probes and the final reads
// use the URLs.
struct LaunchedNodes {
  RenderInputs inputs;
  Values values;                                  // the values every node shares
  std::map<std::string, ProcessSpec> specs;       // node → how it was started
  std::map<std::string, std::string> health_urls; // node → rendered URL, where the definition has one
  std::map<std::string, std::string> export_urls;
  std::map<std::string, std::string> balances_urls;
};

// Whether `node` runs with the clock shim (a clock fault of the plan can reach it).
bool runs_clock_shim(const Plan& plan, const std::string& node);

// The canonical path of the clock shim when a node of the plan needs it; "" when none does; an
// error when it is needed and missing.
Result<std::string> locate_clock_shim(const Plan& plan, const std::string& bin_dir);

// The control page of every node that runs with the clock shim, made before the nodes start.
Status create_clock_pages(const Plan& plan, const RunPaths& paths);

// Renders and starts every node of the scenario's system, in definition order, with `start`
// (the lab's supervisor, or the hosts' place); writes node-setup.json once all have started.
Result<LaunchedNodes> launch_nodes(const Scenario& scenario, const Plan& plan, const LaunchSite& site,
                                   const std::function<Status(const ProcessSpec&)>& start, Timeline& timeline);

}  // namespace firedrill
