// Reading report.json (schema firedrill.report/v1, reports/README.md) for the report writers:
// accessors that never throw on a missing key or a value of another type (the scorer's
// checker-error report carries only the verdict and the failures), and the number formats the
// writers share so report.md and junit.xml print a measurement the same way. Used by
// markdown_report.cc and junit_report.cc; pure functions, safe from any thread.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace firedrill::report_values {

// The value at `key`, or nullptr when absent.
const boost::json::value* field(const boost::json::object& o, std::string_view key);

// The string at `key`, or "" when absent or not a string.
std::string text(const boost::json::object& o, std::string_view key);

// The number at `key` (integer or floating), or nullopt when absent, null or not a number.
std::optional<double> number(const boost::json::object& o, std::string_view key);

// The integer at `key` (a floating value is truncated), or `fallback`.
long long integer(const boost::json::object& o, std::string_view key, long long fallback = 0);

// The boolean at `key`, or nullopt when absent or not a boolean.
std::optional<bool> flag(const boost::json::object& o, std::string_view key);

// A record's "t_ns" (ns since the drill started), or nullopt when absent or negative.
std::optional<int64_t> t_ns(const boost::json::object& o);

// The object / array at `key`, or an empty one.
const boost::json::object& object(const boost::json::object& o, std::string_view key);
const boost::json::array& array(const boost::json::object& o, std::string_view key);

// The strings of the array at `key` (other elements are serialized as JSON).
std::vector<std::string> strings(const boost::json::object& o, std::string_view key);

// Any scalar as people read it: strings as they are, numbers through format_number, booleans
// as true / false, null as "none"; arrays and objects as compact JSON.
std::string scalar(const boost::json::value& v, int decimals_max);

// `value` with at most `decimals_max` decimals and no trailing zeros ("1331.7", "3000", "0.95").
// Locale-independent; "-0" prints as "0".
std::string format_number(double value, int decimals_max);

// A ratio as a percentage with at most two decimals: 0.97089 → "97.09 %".
std::string format_percent(double ratio);

// What an objective's target is measured in, from its name ("fault[0] detect_within",
// "lost_payments_max", "availability_min"): the unit suffix (" ms" or "") and the comparison
// the measured value must satisfy ("≤" or "≥").
struct ObjectiveShape {
  std::string unit;
  std::string comparison;
};
ObjectiveShape objective_shape(std::string_view name);

// The objective named `name` in report["objectives"], or nullptr.
const boost::json::object* find_objective(const boost::json::object& report, std::string_view name);

// The marker for a verdict, without emoji: "PASS", "OBJECTIVES MISSED", "SAFETY FAILURE",
// "INCONCLUSIVE", "ABORTED"; an unknown verdict as "UNKNOWN VERDICT (x)".
std::string verdict_marker(std::string_view verdict);

}  // namespace firedrill::report_values
