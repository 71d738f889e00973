// Writing the monitoring's configuration; see monitoring_config.h.
#include "monitoring/monitoring_config.h"

#include <boost/json/serialize.hpp>
#include <openssl/evp.h>

#include <boost/json/string.hpp>
#include <cctype>
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

// A file name safe in a "PATH BASE64" line and on any file system: [A-Za-z0-9._-] kept, the rest "_".
std::string safe_name(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  }
  return out;
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

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
  std::vector<std::string> relative;  // as prometheus.yml names them
  std::vector<std::pair<std::string, std::string>> written;  // relative path, content
  for (const std::string& source : in.spec.rule_files) {
    // Two rule files of one name (from two directories) keep both: a numbered copy.
    const std::string base = safe_name(fs::path(source).filename().string());
    std::string name = base;
    for (int i = 2; names.count(name); ++i) name = std::to_string(i) + "-" + base;
    names.insert(name);
    std::ifstream rules(source);
    std::stringstream text;
    text << rules.rdbuf();
    if (!rules) return Status::error("cannot read rule file " + source);
    relative.push_back("rules/" + name);
    written.emplace_back(relative.back(), text.str());
    files.rule_files.push_back(in.dir + "/" + relative.back());
    if (Status s = write_file(files.rule_files.back(), text.str()); !s) return s;
  }
  files.prometheus_config = in.dir + "/prometheus.yml";
  const std::string prometheus = prometheus_yaml(in, relative);
  written.emplace_back("prometheus.yml", prometheus);
  if (Status s = write_file(files.prometheus_config, prometheus); !s) return s;
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
  written.emplace_back("alertmanager.yml", alertmanager);
  if (Status s = write_file(files.alertmanager_config, alertmanager); !s) return s;
  for (const auto& [path, content] : written) files.packed += (files.packed.empty() ? "" : " ") + path + "=" + base64(content);
  return files;
}

}  // namespace firedrill
