// The configuration of a drill's Prometheus and Alertmanager, written into the run directory's
// monitoring/ before they start: prometheus.yml (every node with a metrics URL scraped at the
// definition's interval, labelled with its node name and first role; the team's rule files;
// the drill's Alertmanager), the rule files themselves (copied: the run directory keeps what was
// drilled), and alertmanager.yml (the team's own with {alert_url} rendered, or one that sends
// each alert as its own group to firedrill's receiver).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "scenario/scenario.h"

namespace firedrill {

// One node Prometheus scrapes.
struct ScrapeTarget {
  std::string node;
  std::string role;  // its first static role; "" when it has none
  std::string url;   // the rendered metrics URL
};

struct MonitoringFiles {
  std::string prometheus_config;
  std::string alertmanager_config;
  std::vector<std::string> rule_files;  // the copies Prometheus loads
  // Every file as one "PATH=BASE64" word (an empty file: "PATH="), space-separated on one line
  // (no newline to quote), PATH relative to the directory (prometheus.yml, alertmanager.yml,
  // rules/NAME; never holding "="): how the files reach a host, in a node's environment
  // (scenario/monitoring_nodes.h unpacks them there).
  std::string packed;
};

struct MonitoringConfigInputs {
  const MonitoringSpec& spec;
  std::string system_name;           // the scrape job's name
  std::vector<ScrapeTarget> targets;
  std::string alertmanager_address;  // host:port, as Prometheus reaches it
  std::string alert_url;             // firedrill's receiver, as Alertmanager reaches it
  std::string dir;                   // run_dir/monitoring
};

// Writes the files into inputs.dir; an error names the file that could not be written or read.
Result<MonitoringFiles> write_monitoring_config(const MonitoringConfigInputs& inputs);

// The YAML of prometheus.yml alone (pure; tested without a file system). `rule_files` as
// prometheus.yml names them: relative to its own directory ("rules/NAME"), so that the same file
// works in the run directory and unpacked on a host.
std::string prometheus_yaml(const MonitoringConfigInputs& inputs, const std::vector<std::string>& rule_files);

// The YAML of the alertmanager.yml firedrill writes when the team gives none.
std::string default_alertmanager_yaml(const MonitoringSpec& spec, const std::string& alert_url);

}  // namespace firedrill
