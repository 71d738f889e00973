// The drill's Prometheus and Alertmanager in the runner, when the scenario detects through them
// ([detection] prometheus = true): before any node starts, every node's metrics URL rendered and
// the configuration written into run_dir/monitoring/ (harness/monitoring/monitoring_config.h),
// the set-up recorded (PrometheusSetup); after the final reads, what Prometheus recorded read
// back onto the timeline (harness/monitoring/prometheus_reads.h). The two programs themselves
// are nodes of the system (scenario/monitoring_nodes.h), launched with the others.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"
#include "monitoring/scrape_readiness.h"
#include "runner/render.h"
#include "runner/run_paths.h"
#include "scenario/scenario.h"

namespace firedrill {

class Timeline;

// node → the metrics URL Prometheus scrapes.
using ScrapedUrls = std::map<std::string, std::string>;

struct PreparedMonitoring {
  ScrapedUrls scraped;
  std::string packed_files;  // {monitoring_files}: the configuration as it reaches a host
};

// Writes the monitoring's configuration for `scenario` (which detects through Prometheus).
Result<PreparedMonitoring> prepare_monitoring(const Scenario& scenario, const Values& shared, const RenderInputs& inputs,
                                       const RunPaths& paths, Timeline& timeline);

// The monitoring's part in the drill's stages; everything passes straight through when the
// scenario does not detect through Prometheus.
class DrillMonitoring {
 public:
  DrillMonitoring(boost::asio::io_context& io, Timeline& timeline, const Scenario& scenario);
  // The nodes are launched: `addresses` holds Prometheus's.
  void launched(const std::map<std::string, std::string>& addresses);
  // Part of the health gate: Prometheus has scraped every target once (scrape_readiness.h).
  bool scraping();
  // Why scraping() is still false ("" when it is not).
  std::string waiting_for() const;
  // Once scraping(): the rules that read a metric no node exposes ("" when none).
  std::string problem() const { return readiness_ ? readiness_->problem() : ""; }
  // After the final reads: what Prometheus recorded onto the timeline, then `next`.
  void read_then(std::function<void()> next);

 private:
  boost::asio::io_context& io_;
  Timeline& timeline_;
  const Scenario& scenario_;
  std::string prometheus_host_;
  std::unique_ptr<ScrapeReadiness> readiness_;
};

}  // namespace firedrill
