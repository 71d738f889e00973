// The drill runner's entry point; see drill_runner.h. The stages are in drill.h.
#include "runner/drill_runner.h"

#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <iostream>

#include "host/host_facts.h"
#include "runner/drill.h"
#include "runner/run_paths.h"
#include "rundir/run_record.h"
#include "timeline/timeline.h"

namespace json = boost::json;

namespace firedrill {
namespace {

// The timeline, with who and where in its first record, so that a re-score elsewhere still tells
// the truth.
Result<std::unique_ptr<Timeline>> open_timeline(const Scenario& scenario, const Plan& plan, const RunPaths& paths) {
  const HostFacts host = current_host_facts();
  return Timeline::create(paths.timeline(), HarnessStart{.scenario = scenario.drill.name,
                                                         .scenario_digest = plan.scenario_digest,
                                                         .seed = plan.seed,
                                                         .pid = getpid(),
                                                         .tool = tool_version(),
                                                         .kernel = host.kernel,
                                                         .host = host.hostname,
                                                         .user = host.user,
                                                         .uid = host.uid,
                                                         .user_namespace = host.user_namespace.value_or(false)});
}

}  // namespace

RunEnd run_drill(const Scenario& scenario, const Plan& plan, const RunOptions& options) {
  const RunPaths paths{options.run_dir};
  auto timeline = open_timeline(scenario, plan, paths);
  if (!timeline) {
    std::cerr << "firedrill: " << timeline.status().message() << "\n";
    return RunEnd::error;
  }
  // What the drill was asked to do, frozen before it starts: scoring reads this, not the scenario.
  std::ofstream(paths.run_record()) << json::serialize(make_run_record(scenario, plan));
  auto drill = std::make_unique<Drill>(scenario, plan, options, std::move(*timeline));
  return drill->run();
}

}  // namespace firedrill
