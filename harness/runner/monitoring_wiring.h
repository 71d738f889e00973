// The drill's Prometheus and Alertmanager in the runner, when the scenario detects through them
// ([detection] prometheus = true): before any node starts, every node's metrics URL rendered and
// the configuration written into run_dir/monitoring/ (harness/monitoring/monitoring_config.h),
// the set-up recorded (PrometheusSetup); after the final reads, what Prometheus recorded read
// back onto the timeline (harness/monitoring/prometheus_reads.h). The two programs themselves
// are nodes of the system (scenario/monitoring_nodes.h), launched with the others.
#pragma once

#include <map>
#include <string>

#include "core/status.h"
#include "runner/render.h"
#include "runner/run_paths.h"
#include "scenario/scenario.h"

namespace firedrill {

class Timeline;

// node → the metrics URL Prometheus scrapes.
using ScrapedUrls = std::map<std::string, std::string>;

// Writes the monitoring's configuration for `scenario` (which detects through Prometheus).
Result<ScrapedUrls> prepare_monitoring(const Scenario& scenario, const Values& shared, const RenderInputs& inputs,
                                       const RunPaths& paths, Timeline& timeline);

}  // namespace firedrill
