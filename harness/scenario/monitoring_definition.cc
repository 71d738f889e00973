// [monitoring] of a system definition; see monitoring_definition.h.
#include "scenario/monitoring_definition.h"

#include <filesystem>

#include "core/limits.h"
#include "scenario/ssh_url.h"

namespace fs = std::filesystem;

namespace firedrill {

std::string resolve_monitoring_file(TableReader& r, const std::string& key, const std::string& file,
                                    const std::string& beside) {
  fs::path p(file);
  if (p.is_relative()) p = fs::path(beside).parent_path() / p;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) {
    r.error(key, "no file \"" + file + "\" (looked at " + p.string() + ")");
    return "";
  }
  return fs::absolute(p, ec).lexically_normal().string();
}

void read_monitoring(TableReader& top, SystemDefinition& system, const std::string& path, Diagnostics& d) {
  const toml::table* table = top.table("monitoring");
  if (!table) return;
  TableReader r(*table, "monitoring", path, d);
  MonitoringSpec& m = system.monitoring;
  if (auto files = r.strings("rules", true)) {
    if (files->empty()) r.error("rules", "name at least one Prometheus rule file");
    for (const std::string& file : *files) {
      if (auto resolved = resolve_monitoring_file(r, "rules", file, path); !resolved.empty()) m.rule_files.push_back(resolved);
    }
  }
  if (auto file = r.string("alertmanager_config")) m.alertmanager_config = resolve_monitoring_file(r, "alertmanager_config", *file, path);
  // Prometheus takes intervals in whole milliseconds; below 100 ms a scrape is its own load.
  const Milliseconds at_least{100};
  if (auto v = r.duration("scrape_interval", at_least, kPhaseDurationMaxMs)) m.scrape_interval = *v;
  if (auto v = r.duration("evaluation_interval", at_least, kPhaseDurationMaxMs)) m.evaluation_interval = *v;
  if (auto v = r.duration("group_wait", Milliseconds(0), kPhaseDurationMaxMs)) m.group_wait = *v;
  if (auto v = r.duration("group_interval", at_least, kPhaseDurationMaxMs)) m.group_interval = *v;
  if (auto v = r.duration("repeat_interval", at_least, Milliseconds(int64_t{7} * 24 * 3'600'000))) m.repeat_interval = *v;
  if (auto v = r.string("host")) {
    m.host = *v;
    if (auto endpoint = parse_ssh_url(*v); !endpoint) r.error("host", endpoint.status().message());
  }
  if (auto v = r.string("data_dir")) {
    m.data_dir = *v;
    if (v->empty() || v->front() != '/') r.error("data_dir", "must be an absolute path");
  }
  if (m.host.empty() != m.data_dir.empty()) r.error(m.host.empty() ? "data_dir" : "host", "host and data_dir go together");
  for (auto [key, field] : {std::pair{"prometheus", &m.prometheus}, std::pair{"alertmanager", &m.alertmanager},
                            std::pair{"promtool", &m.promtool}, std::pair{"amtool", &m.amtool}}) {
    if (auto v = r.string(key)) {
      if (v->empty()) r.error(key, "a program name or path");
      *field = *v;
    }
  }
  r.finish();
}

}  // namespace firedrill
