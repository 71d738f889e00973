// Reading Prometheus's API answers; see prometheus_api.h.
#include "monitoring/prometheus_api.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>

#include "core/json_read.h"

namespace json = boost::json;

namespace firedrill {
namespace {

// The "data" of a successful answer.
Result<json::object> answer_data(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return Status::error("not a JSON object");
  const json::object& o = v.as_object();
  const json::value* status = o.if_contains("status");
  if (!status || !status->is_string() || status->as_string() != "success") {
    const json::value* error = o.if_contains("error");
    return Status::error("Prometheus answered an error: " +
                         (error && error->is_string() ? std::string(error->as_string()) : std::string("no reason")));
  }
  const json::value* data = o.if_contains("data");
  if (!data || !data->is_object()) return Status::error("no \"data\" object");
  return data->as_object();
}

double number_of(const json::value& v) {
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  return 0;
}

// The samples' times of a matrix series' "values" ([[t, "v"], ...]).
std::vector<double> sample_times(const json::object& series) {
  std::vector<double> out;
  const json::value* values = series.if_contains("values");
  if (!values || !values->is_array()) return out;
  for (const json::value& pair : values->as_array()) {
    if (pair.is_array() && !pair.as_array().empty()) out.push_back(number_of(pair.as_array()[0]));
  }
  std::sort(out.begin(), out.end());
  return out;
}

const json::array* matrix_of(const json::object& data) {
  const json::value* result = data.if_contains("result");
  return result && result->is_array() ? &result->as_array() : nullptr;
}

}  // namespace

Result<std::vector<PrometheusRule>> parse_alerting_rules(std::string_view body) {
  auto data = answer_data(body);
  if (!data) return data.status();
  std::vector<PrometheusRule> rules;
  const json::value* groups = data->if_contains("groups");
  if (!groups || !groups->is_array()) return Status::error("no \"groups\" array");
  for (const json::value& g : groups->as_array()) {
    if (!g.is_object()) continue;
    const json::value* list = g.as_object().if_contains("rules");
    if (!list || !list->is_array()) continue;
    for (const json::value& r : list->as_array()) {
      if (!r.is_object() || json_read::text(r.as_object(), "type") != "alerting") continue;
      const json::object& o = r.as_object();
      const json::value* duration = o.if_contains("duration");
      rules.push_back(PrometheusRule{
          .name = json_read::text(o, "name"),
          .expr = json_read::text(o, "query"),
          .for_ms = duration ? std::llround(number_of(*duration) * 1000) : 0,
          .file = json_read::text(g.as_object(), "file"),
          .group = json_read::text(g.as_object(), "name"),
          .health = json_read::text(o, "health"),
          .last_error = json_read::text(o, "lastError"),
          .labels = json_read::object(o, "labels")});
    }
  }
  return rules;
}

std::set<std::string> recording_rule_names(std::string_view body) {
  std::set<std::string> names;
  auto data = answer_data(body);
  if (!data) return names;
  const json::value* groups = data->if_contains("groups");
  if (!groups || !groups->is_array()) return names;
  for (const json::value& g : groups->as_array()) {
    if (!g.is_object()) continue;
    for (const json::value& r : json_read::array(g.as_object(), "rules")) {
      if (r.is_object() && json_read::text(r.as_object(), "type") == "recording") {
        names.insert(json_read::text(r.as_object(), "name"));
      }
    }
  }
  return names;
}

std::set<std::string> label_values(std::string_view body) {
  std::set<std::string> values;
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object() || json_read::text(v.as_object(), "status") != "success") return values;
  for (const json::value& name : json_read::array(v.as_object(), "data")) {
    if (name.is_string()) values.insert(std::string(name.as_string()));
  }
  return values;
}

const PrometheusRule* rule_of_alert(const std::vector<PrometheusRule>& rules, const std::string& alertname,
                                    const json::object& labels) {
  for (const PrometheusRule& rule : rules) {
    if (rule.name == alertname && json_read::includes(labels, rule.labels)) return &rule;
  }
  return nullptr;
}

Result<std::vector<AlertEpisodeTimes>> parse_alert_episodes(std::string_view body, double gap_s, double evaluation_s,
                                                            double now_s) {
  auto data = answer_data(body);
  if (!data) return data.status();
  const json::array* result = matrix_of(*data);
  if (!result) return Status::error("no \"result\" array");
  // Each alert's samples, by state, under the alert's own labels (without alertstate).
  struct Samples {
    json::object labels;
    std::vector<std::pair<double, bool>> at;  // (time, firing)
  };
  std::map<std::string, Samples> alerts;
  for (const json::value& s : *result) {
    if (!s.is_object()) continue;
    const json::value* metric = s.as_object().if_contains("metric");
    if (!metric || !metric->is_object()) continue;
    json::object labels = metric->as_object();
    const bool firing = json_read::text(labels, "alertstate") == "firing";
    labels.erase("alertstate");
    labels.erase("__name__");
    // Label order in Prometheus's answers is sorted, so the serialization is the identity.
    Samples& a = alerts[json::serialize(labels)];
    a.labels = labels;
    for (double t : sample_times(s.as_object())) a.at.emplace_back(t, firing);
  }
  std::vector<AlertEpisodeTimes> episodes;
  for (auto& [identity, a] : alerts) {
    std::sort(a.at.begin(), a.at.end());
    AlertEpisodeTimes* open = nullptr;
    double last = 0;
    for (const auto& [t, firing] : a.at) {
      if (!open || t - last > gap_s) {
        if (open) open->ended = last + evaluation_s;
        episodes.push_back(AlertEpisodeTimes{json_read::text(a.labels, "alertname"), a.labels, t, std::nullopt,
                                             std::nullopt});
        open = &episodes.back();
      }
      if (firing && !open->firing) open->firing = t;
      last = t;
    }
    if (open && now_s - last > gap_s) open->ended = last + evaluation_s;
  }
  std::sort(episodes.begin(), episodes.end(),
            [](const AlertEpisodeTimes& x, const AlertEpisodeTimes& y) { return x.pending < y.pending; });
  return episodes;
}

Result<std::optional<double>> parse_symptom_start(std::string_view body, const json::object& alert_labels,
                                                  double step_s, double until) {
  auto data = answer_data(body);
  if (!data) return data.status();
  const json::array* result = matrix_of(*data);
  if (!result) return Status::error("no \"result\" array");
  std::optional<double> best;
  for (const json::value& s : *result) {
    if (!s.is_object()) continue;
    const json::value* metric = s.as_object().if_contains("metric");
    if (!metric || !metric->is_object()) continue;
    if (!json_read::includes(alert_labels, metric->as_object(), "__name__")) continue;
    std::vector<double> times = sample_times(s.as_object());
    // Walk back from the last point at or before `until` while the points stay one step apart.
    auto end = std::upper_bound(times.begin(), times.end(), until + step_s / 2);
    if (end == times.begin()) continue;
    auto it = std::prev(end);
    while (it != times.begin() && *it - *std::prev(it) <= step_s * 1.5) --it;
    best = std::min(best.value_or(*it), *it);
  }
  return best;
}

Result<std::string> targets_not_up(std::string_view body) {
  auto data = answer_data(body);
  if (!data) return data.status();
  const json::value* active = data->if_contains("activeTargets");
  if (!active || !active->is_array()) return Status::error("no \"activeTargets\" array");
  if (active->as_array().empty()) return std::string("no target yet");
  std::string missing;
  for (const json::value& t : active->as_array()) {
    if (!t.is_object() || json_read::text(t.as_object(), "health") == "up") continue;
    const json::object& o = t.as_object();
    const std::string node = json_read::text(json_read::object(o, "labels"), "node");
    const std::string error = json_read::text(o, "lastError");
    missing += (missing.empty() ? "" : "; ") + (node.empty() ? json_read::text(o, "scrapeUrl") : node) + " (" +
               json_read::text(o, "health") + (error.empty() ? "" : ": " + error) + ")";
  }
  return missing;
}

std::string url_encoded(std::string_view text) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace firedrill
