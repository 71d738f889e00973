// The alerting sections of a report as plain-text tables, built once from report.json for both
// report.md and report.html (each escapes and draws them its own way): where each detection's
// time went (DESIGN.md §2b), and alert coverage, rules against faults, with the faults no alert
// caught and the alerts no fault explains (noise). Pure functions of report.json.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

namespace firedrill {

struct TextTable {
  std::vector<std::string> header;
  std::vector<bool> right;  // per column: right-aligned (numbers)
  std::vector<std::vector<std::string>> rows;
};

// One row per fault detected through the drill's Prometheus: the alert, each stage in ms after
// T0 (first scrape that saw it, pending, firing, notified), the budget, and where the time went.
// None when no fault has stages.
std::optional<TextTable> detection_stages_table(const boost::json::object& report);

// One row per alert (the rules Prometheus loaded, then alerts posted by the system itself), one
// column per fault: the ms after T0 of its first firing notification for that fault, or "–";
// the last column counts its noise. None without "alert_coverage".
std::optional<TextTable> alert_coverage_table(const boost::json::object& report);

// The sentences under the coverage table: each fault no alert caught, each noisy alert (bounded).
std::vector<std::string> alert_coverage_notes(const boost::json::object& report);

}  // namespace firedrill
