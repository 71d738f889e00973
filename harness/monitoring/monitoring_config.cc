// Writing the monitoring's configuration; see monitoring_config.h.
#include "monitoring/monitoring_config.h"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "net/endpoint.h"

namespace fs = std::filesystem;

namespace firedrill {
namespace {

// A YAML scalar, double-quoted: JSON's string syntax is YAML's.
std::string quoted(const std::string& s) { return boost::json::serialize(boost::json::string(s)); }

// Prometheus's duration syntax in whole milliseconds ("500ms"), which it takes for any value.
std::string duration(Milliseconds d) { return std::to_string(d.count()) + "ms"; }

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::error("cannot write " + path);
  return Status::ok();
}

}  // namespace

std::string prometheus_yaml(const MonitoringConfigInputs& in, const std::vector<std::string>& rule_files) {
  const MonitoringSpec& m = in.spec;
  std::ostringstream y;
  y << "# Written by firedrill for this drill (scenarios/README.md, \"Detection through Prometheus\").\n"
    << "global:\n"
    << "  scrape_interval: " << duration(m.scrape_interval) << "\n"
    // A scrape that takes longer than the interval is a failed scrape (up == 0), as a paused
    // node's must be.
    << "  scrape_timeout: " << duration(m.scrape_interval) << "\n"
    << "  evaluation_interval: " << duration(m.evaluation_interval) << "\n"
    << "rule_files:\n";
  for (const std::string& file : rule_files) y << "  - " << quoted(file) << "\n";
  y << "alerting:\n"
    << "  alertmanagers:\n"
    << "    - static_configs:\n"
    << "        - targets: [" << quoted(in.alertmanager_address) << "]\n"
    << "scrape_configs:\n"
    << "  - job_name: " << quoted(in.system_name.empty() ? "system" : in.system_name) << "\n"
    << "    static_configs:\n";
  for (const ScrapeTarget& t : in.targets) {
    auto endpoint = split_url(t.url);
    if (!endpoint) continue;  // rendered from a checked definition; a bad one is skipped, not guessed
    std::string path = endpoint->target;
    std::string query;
    if (auto q = path.find('?'); q != std::string::npos) {
      query = path.substr(q + 1);
      path = path.substr(0, q);
    }
    y << "      - targets: [" << quoted(endpoint->host + ":" + std::to_string(endpoint->port)) << "]\n"
      << "        labels:\n"
      << "          node: " << quoted(t.node) << "\n";
    if (!t.role.empty()) y << "          role: " << quoted(t.role) << "\n";
    y << "          __metrics_path__: " << quoted(path) << "\n";
    std::stringstream params(query);
    for (std::string pair; std::getline(params, pair, '&');) {
      const auto eq = pair.find('=');
      if (eq == std::string::npos || eq == 0) continue;
      y << "          __param_" << pair.substr(0, eq) << ": " << quoted(pair.substr(eq + 1)) << "\n";
    }
  }
  return y.str();
}

std::string default_alertmanager_yaml(const MonitoringSpec& m, const std::string& alert_url) {
  std::ostringstream y;
  y << "# Written by firedrill for this drill: every alert is its own group (group_by: ['...']), so\n"
    << "# each waits group_wait once and no other alert delays it.\n"
    << "route:\n"
    << "  receiver: firedrill\n"
    << "  group_by: ['...']\n"
    << "  group_wait: " << duration(m.group_wait) << "\n"
    << "  group_interval: " << duration(m.group_interval) << "\n"
    << "  repeat_interval: " << duration(m.repeat_interval) << "\n"
    << "receivers:\n"
    << "  - name: firedrill\n"
    << "    webhook_configs:\n"
    << "      - url: " << quoted(alert_url) << "\n"
    << "        send_resolved: true\n";
  return y.str();
}

Result<MonitoringFiles> write_monitoring_config(const MonitoringConfigInputs& in) {
  std::error_code ec;
  fs::create_directories(fs::path(in.dir) / "rules", ec);
  if (ec) return Status::error("cannot create " + in.dir + ": " + ec.message());
  MonitoringFiles files;
  std::set<std::string> names;
  for (const std::string& source : in.spec.rule_files) {
    // Two rule files of one name (from two directories) keep both: a numbered copy.
    std::string name = fs::path(source).filename().string();
    for (int i = 2; names.count(name); ++i) name = std::to_string(i) + "-" + fs::path(source).filename().string();
    names.insert(name);
    const fs::path copy = fs::path(in.dir) / "rules" / name;
    fs::copy_file(source, copy, fs::copy_options::overwrite_existing, ec);
    if (ec) return Status::error("cannot copy rule file " + source + ": " + ec.message());
    files.rule_files.push_back(copy.string());
  }
  files.prometheus_config = in.dir + "/prometheus.yml";
  if (Status s = write_file(files.prometheus_config, prometheus_yaml(in, files.rule_files)); !s) return s;
  std::string alertmanager;
  if (in.spec.alertmanager_config.empty()) {
    alertmanager = default_alertmanager_yaml(in.spec, in.alert_url);
  } else {
    std::ifstream team(in.spec.alertmanager_config);
    if (!team) return Status::error("cannot read " + in.spec.alertmanager_config);
    std::stringstream text;
    text << team.rdbuf();
    alertmanager = text.str();
    const std::string placeholder = "{alert_url}";
    for (auto at = alertmanager.find(placeholder); at != std::string::npos; at = alertmanager.find(placeholder)) {
      alertmanager.replace(at, placeholder.size(), in.alert_url);
    }
  }
  files.alertmanager_config = in.dir + "/alertmanager.yml";
  if (Status s = write_file(files.alertmanager_config, alertmanager); !s) return s;
  return files;
}

}  // namespace firedrill
