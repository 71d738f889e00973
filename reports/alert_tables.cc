// The alerting tables; see alert_tables.h.
#include "reports/alert_tables.h"

#include <map>

#include "reports/report_values.h"

namespace firedrill {
namespace {

namespace json = boost::json;
using namespace report_values;

constexpr std::size_t kNoiseListedMax = 10;

std::string ms_cell(const json::object& o, std::string_view key) {
  auto v = number(o, key);
  return v ? format_number(*v, 0) : "–";
}

std::string fault_name(const json::object& f) {
  return "#" + std::to_string(integer(f, "index", -1)) + " " + text(f, "kind") + " " + text(f, "node");
}

std::string file_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::optional<TextTable> detection_stages_table(const json::object& report) {
  TextTable t{{"fault", "alert", "scrape saw it", "pending", "firing", "notified", "budget", "where the time went"},
              {false, false, true, true, true, true, true, false},
              {}};
  for (const json::value& v : array(report, "faults")) {
    if (!v.is_object()) continue;
    const json::object& stages = object(v.as_object(), "detection_stages");
    if (stages.empty()) continue;
    const json::object& spans = object(stages, "spans_ms");
    const std::string where = "scrape " + ms_cell(spans, "to_scrape") + ", evaluation " + ms_cell(spans, "to_evaluation") +
                              ", for " + ms_cell(spans, "for") + ", Alertmanager " + ms_cell(spans, "to_notification");
    t.rows.push_back({fault_name(v.as_object()), text(stages, "alert"), ms_cell(stages, "symptom_ms"),
                      ms_cell(stages, "pending_ms"), ms_cell(stages, "firing_ms"), ms_cell(stages, "notified_ms"),
                      ms_cell(stages, "budget_ms"), where});
  }
  if (t.rows.empty()) return std::nullopt;
  return t;
}

std::optional<TextTable> alert_coverage_table(const json::object& report) {
  const json::value* coverage = field(report, "alert_coverage");
  if (!coverage || !coverage->is_object()) return std::nullopt;
  const json::object& c = coverage->as_object();
  TextTable t{{"alert", "rule file"}, {false, false}, {}};
  std::vector<long long> faults;
  for (const json::value& v : array(c, "faults")) {
    if (!v.is_object()) continue;
    faults.push_back(integer(v.as_object(), "index", -1));
    t.header.push_back(fault_name(v.as_object()));
    t.right.push_back(true);
  }
  t.header.push_back("noise");
  t.right.push_back(true);
  std::map<std::string, long long> noise;
  for (const json::value& v : array(c, "noise")) {
    if (v.is_object()) ++noise[text(v.as_object(), "alert")];
  }
  // alert → fault → ms after T0
  std::map<std::string, std::map<long long, std::string>> fired;
  for (const json::value& v : array(c, "faults")) {
    if (!v.is_object()) continue;
    for (const json::value& a : array(v.as_object(), "alerts")) {
      if (a.is_object()) {
        fired[text(a.as_object(), "alert")][integer(v.as_object(), "index", -1)] = ms_cell(a.as_object(), "after_t0_ms") + " ms";
      }
    }
  }
  for (const json::value& v : array(c, "rules")) {
    if (!v.is_object()) continue;
    const std::string alert = text(v.as_object(), "alert");
    const std::string file = text(v.as_object(), "file");
    std::vector<std::string> row{alert, file.empty() ? "(posted by the system)" : file_name(file)};
    for (long long index : faults) {
      auto cell = fired[alert].find(index);
      row.push_back(cell == fired[alert].end() ? "–" : cell->second);
    }
    row.push_back(std::to_string(noise[alert]));
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::vector<std::string> alert_coverage_notes(const json::object& report) {
  std::vector<std::string> notes;
  const json::object& c = object(report, "alert_coverage");
  std::map<long long, std::string> names;
  for (const json::value& v : array(c, "faults")) {
    if (v.is_object()) names[integer(v.as_object(), "index", -1)] = fault_name(v.as_object());
  }
  for (const json::value& v : array(c, "uncaught")) {
    if (v.is_int64()) notes.push_back("Fault " + names[v.as_int64()] + ": no alert fired for it.");
  }
  const json::array& noise = array(c, "noise");
  for (std::size_t i = 0; i < noise.size() && i < kNoiseListedMax; ++i) {
    if (!noise[i].is_object()) continue;
    const json::object& n = noise[i].as_object();
    notes.push_back("Noise: " + text(n, "alert") + " fired at " + ms_cell(n, "at_ms") + " ms (" + text(n, "when") + ").");
  }
  if (noise.size() > kNoiseListedMax) {
    notes.push_back("… and " + std::to_string(noise.size() - kNoiseListedMax) + " more noisy alerts in report.json.");
  }
  return notes;
}

}  // namespace firedrill
