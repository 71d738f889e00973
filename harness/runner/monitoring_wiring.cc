// The monitoring's configuration before the launch; see monitoring_wiring.h.
#include "runner/monitoring_wiring.h"

#include "monitoring/monitoring_config.h"
#include "monitoring/prometheus_reads.h"
#include "scenario/monitoring_nodes.h"
#include "timeline/timeline.h"

namespace firedrill {
namespace {

// The most the configuration may take on its way to a host, in one argument of the node's start
// (Linux limits one argument to 128 KiB; the rest of the start command needs some room).
constexpr size_t kPackedFilesMaxBytes = 96 * 1024;

}  // namespace

Result<PreparedMonitoring> prepare_monitoring(const Scenario& scenario, const Values& shared, const RenderInputs& inputs,
                                       const RunPaths& paths, Timeline& timeline) {
  const MonitoringSpec& spec = scenario.system.monitoring;
  MonitoringConfigInputs config{.spec = spec,
                                .system_name = scenario.system.name,
                                .targets = {},
                                .alertmanager_address = inputs.addresses.at(std::string(kAlertmanagerNode)) + ":" +
                                                        std::to_string(kAlertmanagerPort),
                                .alert_url = inputs.alert_url,
                                .dir = paths.monitoring_dir()};
  ScrapedUrls scraped;
  PrometheusSetup setup{.scrape_interval_ms = spec.scrape_interval.count(),
                        .evaluation_interval_ms = spec.evaluation_interval.count(),
                        .group_wait_ms = spec.group_wait.count(),
                        .group_interval_ms = spec.group_interval.count()};
  for (const NodeDefinition& n : scenario.system.nodes) {
    if (n.metrics_url.empty()) continue;
    auto url = render(n.metrics_url, node_values(shared, n.name, inputs));
    if (!url) return url.status().with_context("node " + n.name + " metrics_url");
    config.targets.push_back(ScrapeTarget{n.name, n.roles.empty() ? "" : n.roles.front(), *url});
    scraped[n.name] = *url;
    setup.scraped.push_back(n.name);
  }
  auto files = write_monitoring_config(config);
  if (!files) return files.status();
  // On a host the files travel as one argument of the node's start (MAX_ARG_STRLEN: 128 KiB).
  if (!spec.host.empty() && files->packed.size() > kPackedFilesMaxBytes) {
    return Status::error("the rule files and configuration are " + std::to_string(files->packed.size() / 1024) +
                         " KiB in base64, more than the " + std::to_string(kPackedFilesMaxBytes / 1024) +
                         " KiB one start on a host can carry: split or trim the rule files");
  }
  for (const std::string& file : files->rule_files) {
    setup.rule_files.push_back(file.substr(paths.run_dir.size() + 1));
  }
  timeline.write(setup);
  return PreparedMonitoring{std::move(scraped), files->packed};
}

DrillMonitoring::DrillMonitoring(boost::asio::io_context& io, Timeline& timeline, const Scenario& scenario)
    : io_(io), timeline_(timeline), scenario_(scenario) {}

void DrillMonitoring::launched(const std::map<std::string, std::string>& addresses) {
  if (!scenario_.detection.prometheus) return;
  prometheus_host_ = addresses.at(std::string(kPrometheusNode));
  readiness_ = std::make_unique<ScrapeReadiness>(io_, prometheus_host_, kPrometheusPort);
}

bool DrillMonitoring::scraping() { return !readiness_ || readiness_->poll(); }

std::string DrillMonitoring::waiting_for() const {
  if (!readiness_) return "";
  const std::string& missing = readiness_->waiting_for();
  return "Prometheus has not scraped every node yet" + (missing.empty() ? std::string() : ": " + missing);
}

void DrillMonitoring::read_then(std::function<void()> next) {
  if (prometheus_host_.empty()) return next();
  read_prometheus(io_, timeline_, scenario_.system.monitoring, prometheus_host_, kPrometheusPort, std::move(next));
}

}  // namespace firedrill
