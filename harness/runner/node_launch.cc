// Starting the nodes; see node_launch.h.
#include "runner/node_launch.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "runner/drill_runner.h"
#include "runner/fault_wiring.h"
#include "runner/monitoring_wiring.h"
#include "timeline/timeline.h"

namespace json = boost::json;
namespace fs = std::filesystem;

namespace firedrill {
namespace {

// The clock shim's file name, beside the firedrill executable (harness/lab/clock/README.md).
const char* const kClockShimName = "libfiredrill-clock.so";

using Environment = std::map<std::string, std::string>;

// A node's environment is built from nothing, but a sanitizer build of the system (FIREDRILL_SANITIZE)
// reads its options from the environment: the controller's are passed through. A node with the
// clock shim runs it preloaded ahead of the ASan runtime, which ASan refuses unless told not to
// check the link order, so a sanitized controller (the same build) says so for those nodes.
void add_sanitizer_options(Environment& env, [[maybe_unused]] bool clock_shim) {
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
#if defined(__SANITIZE_ADDRESS__)
  if (!clock_shim) return;
  std::string& asan = env["ASAN_OPTIONS"];
  if (asan.find("verify_asan_link_order") == std::string::npos) {
    asan += (asan.empty() ? "" : ":") + std::string("verify_asan_link_order=0");
  }
#endif
}

RenderInputs render_inputs(const Scenario& scenario, const LaunchSite& site) {
  RenderInputs inputs;
  inputs.backup_store = site.backup_store;
  inputs.bin_dir = site.bin_dir;
  inputs.controller_address = site.controller_address;
  inputs.alert_url = site.alert_url;
  inputs.parameters = scenario.system_parameters;
  inputs.accounts = scenario.workload.accounts;
  inputs.addresses = site.addresses;
  inputs.data_dirs = site.data_dirs;
  if (scenario.detection.prometheus) inputs.monitoring_dir = site.paths.monitoring_dir();
  return inputs;
}

// What the lab adds (scenarios/README.md, "What the lab adds to a node"): PATH and HOME always;
// the clock shim only where a clock fault of the plan can land.
Environment lab_environment(const NodeDefinition& n, const LaunchSite& site, bool shim) {
  Environment env{{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", site.data_dirs.at(n.name)}};
  if (site.added_environment) {
    for (const auto& [key, value] : site.added_environment(n.name)) env[key] = value;
  }
  if (shim) {
    env["LD_PRELOAD"] = site.clock_shim;
    env[clock_control_variable()] = site.clock_page(n.name);
  }
  add_sanitizer_options(env, shim);
  return env;
}

// The node's process: its command and its own environment rendered on top of what the lab adds.
Result<ProcessSpec> node_spec(const NodeDefinition& n, const Values& values, const Environment& added,
                              const LaunchSite& site, bool shim) {
  ProcessSpec spec;
  spec.name = n.name;
  for (const auto& arg : n.command) {
    auto rendered = render(arg, values);
    if (!rendered) return rendered.status().with_context("node " + n.name + " command");
    spec.argv.push_back(*rendered);
  }
  spec.env = added;
  for (const auto& [key, value] : n.environment) {
    auto rendered = render(value, values);
    if (!rendered) return rendered.status().with_context("node " + n.name + " environment " + key);
    // The definition's own preloads run after the shim, which must see clock calls first.
    spec.env[key] = key == "LD_PRELOAD" && shim ? site.clock_shim + ":" + *rendered : *rendered;
  }
  spec.netns_fd = site.netns_fd ? site.netns_fd(n.name) : -1;
  spec.stdout_path = site.paths.log_out(n.name);
  spec.stderr_path = site.paths.log_err(n.name);
  spec.working_dir = site.data_dirs.at(n.name);
  return spec;
}

Status render_urls(const NodeDefinition& n, const Values& values, LaunchedNodes& launched) {
  for (auto [url, into] : {std::pair{&n.health_url, &launched.health_urls}, std::pair{&n.export_url, &launched.export_urls},
                           std::pair{&n.balances_url, &launched.balances_urls}}) {
    if (url->empty()) continue;
    auto rendered = render(*url, values);
    if (!rendered) return rendered.status().with_context("node " + n.name);
    (*into)[n.name] = *rendered;
  }
  return Status::ok();
}

// The node's volume as the run directory lists it: what power.loss adds is named.
std::string volume_kind(const LaunchSite& site, const std::string& node) {
  const auto& durable = site.durable_volumes;
  if (std::find(durable.begin(), durable.end(), node) == durable.end()) return site.volume_kind;
  const auto& through = site.write_through_volumes;
  const bool write_through = std::find(through.begin(), through.end(), node) != through.end();
  return site.volume_kind + " under firedrill's durability-tracking FUSE filesystem (power.loss; " +
         (write_through ? "write-through: a disk.full can reach it" : "the kernel's write-back cache") + ")";
}

// What the lab added to node `n`, for the timeline (the auditor's scope section) and
// node-setup.json (a person reading the run directory).
HarnessNodeSetup node_setup(const NodeDefinition& n, const Environment& added, bool shim, const LaunchSite& site,
                            const Scenario& scenario, const ScrapedUrls& scraped) {
  HarnessNodeSetup setup{.node = n.name,
                         .clock_shim = shim,
                         .preload = shim ? std::optional<std::string>(site.clock_shim) : std::nullopt,
                         .environment_added = StringPairs(added.begin(), added.end()),
                         .definition_environment = {},
                         .volume = NodeVolume{.kind = volume_kind(site, n.name), .bytes = n.volume_bytes, .path = site.data_dirs.at(n.name)},
                         .network_namespace = site.network_namespace,
                         .working_dir = site.data_dirs.at(n.name)};
  for (const auto& [key, value] : n.environment) setup.definition_environment.push_back(key);
  if (auto url = scraped.find(n.name); url != scraped.end()) {
    setup.scraped_url = url->second;
    setup.scrape_interval_ms = scenario.system.monitoring.scrape_interval.count();
  }
  return setup;
}

void write_node_setup(const RunPaths& paths, json::array nodes) {
  json::object out{{"note", "What the lab added to each node: the environment it set (the node's own "
                            "environment from the system definition comes on top), the clock shim (preloaded "
                            "only into the nodes a clock fault of the plan can reach), the volume (under "
                            "firedrill's durability-tracking filesystem only on the nodes a power.loss of the "
                            "plan can reach), the network namespace, and the scrape of its metrics URL by the drill's Prometheus "
                            "(only when the scenario detects through Prometheus). Nothing else is added."},
                   {"nodes", std::move(nodes)}};
  std::ofstream(paths.node_setup()) << json::serialize(out) << "\n";
}

}  // namespace

std::string find_clock_shim(const std::string& bin_dir) {
  if (const char* path = std::getenv("FIREDRILL_CLOCK_SHIM")) return path;
  return bin_dir + "/" + kClockShimName;
}

bool runs_clock_shim(const Plan& plan, const std::string& node) {
  return std::find(plan.clock_shim_nodes.begin(), plan.clock_shim_nodes.end(), node) != plan.clock_shim_nodes.end();
}

Result<std::string> locate_clock_shim(const Plan& plan, const std::string& bin_dir) {
  if (plan.clock_shim_nodes.empty()) return std::string();
  std::error_code ec;
  const fs::path shim = fs::canonical(find_clock_shim(bin_dir), ec);
  if (ec) {
    return Status::error("clock shim not found at " + find_clock_shim(bin_dir) +
                         " (build firedrill's libfiredrill-clock.so, or set FIREDRILL_CLOCK_SHIM)");
  }
  return shim.string();
}

Status create_clock_pages(const Plan& plan, const RunPaths& paths) {
  for (const std::string& node : plan.clock_shim_nodes) {
    if (Status s = create_clock_control(paths.clock_control(node)); !s) {
      return s.with_context("clock control of node " + node);
    }
  }
  return Status::ok();
}

Result<LaunchedNodes> launch_nodes(const Scenario& scenario, const Plan& plan, const LaunchSite& site,
                                   const std::function<Status(const ProcessSpec&)>& start, Timeline& timeline) {
  LaunchedNodes launched;
  launched.inputs = render_inputs(scenario, site);
  auto shared = shared_values(scenario.system, launched.inputs);
  if (!shared) return shared.status();
  launched.values = *shared;
  ScrapedUrls scraped;
  if (scenario.detection.prometheus) {
    auto prepared = prepare_monitoring(scenario, launched.values, launched.inputs, site.paths, timeline);
    if (!prepared) return prepared.status().with_context("monitoring");
    scraped = std::move(prepared->scraped);
    launched.values["monitoring_files"] = prepared->packed_files;
  }
  json::array setups;
  for (const NodeDefinition& n : scenario.system.nodes) {
    const Values values = node_values(launched.values, n.name, launched.inputs);
    const bool shim = runs_clock_shim(plan, n.name);
    const Environment added = lab_environment(n, site, shim);
    auto spec = node_spec(n, values, added, site, shim);
    if (!spec) return spec.status();
    launched.specs[n.name] = *spec;
    if (Status s = render_urls(n, values, launched); !s) return s;
    const HarnessNodeSetup setup = node_setup(n, added, shim, site, scenario, scraped);
    setups.push_back(record_codec::encode_fields(setup));
    timeline.write(setup);
    if (Status s = start(*spec); !s) return s;
  }
  write_node_setup(site.paths, std::move(setups));
  return launched;
}

}  // namespace firedrill
