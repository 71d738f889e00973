// Reading report.json for the writers; see report_values.h.
#include "reports/report_values.h"

#include <boost/json/serialize.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>

namespace firedrill::report_values {

namespace json = boost::json;

const json::value* field(const json::object& o, std::string_view key) { return o.if_contains(key); }

std::string text(const json::object& o, std::string_view key) {
  const json::value* v = field(o, key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<double> number(const json::object& o, std::string_view key) {
  const json::value* v = field(o, key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

long long integer(const json::object& o, std::string_view key, long long fallback) {
  const json::value* v = field(o, key);
  if (!v) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<long long>(v->as_uint64());
  // Finite and in range only: a huge or NaN double must not reach an undefined conversion.
  if (v->is_double() && std::isfinite(v->as_double()) && std::fabs(v->as_double()) < 9e18) {
    return static_cast<long long>(v->as_double());
  }
  return fallback;
}

std::optional<int64_t> t_ns(const json::object& o) {
  auto t = number(o, "t_ns");
  if (!t || *t < 0) return std::nullopt;
  return static_cast<int64_t>(*t);
}

std::optional<bool> flag(const json::object& o, std::string_view key) {
  const json::value* v = field(o, key);
  if (!v || !v->is_bool()) return std::nullopt;
  return v->as_bool();
}

const json::object& object(const json::object& o, std::string_view key) {
  static const json::object empty;
  const json::value* v = field(o, key);
  return v && v->is_object() ? v->as_object() : empty;
}

const json::array& array(const json::object& o, std::string_view key) {
  static const json::array empty;
  const json::value* v = field(o, key);
  return v && v->is_array() ? v->as_array() : empty;
}

std::vector<std::string> strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  for (const json::value& v : array(o, key)) {
    out.push_back(v.is_string() ? std::string(v.as_string()) : json::serialize(v));
  }
  return out;
}

std::string scalar(const json::value& v, int decimals_max) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double()) return format_number(v.as_double(), decimals_max);
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_null()) return "none";
  return json::serialize(v);
}

std::string format_number(double value, int decimals_max) {
  if (!std::isfinite(value)) return std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf";
  // snprintf uses the "C" locale unless the program calls setlocale, which firedrill never does.
  // Beyond 1e15 fixed notation would print noise digits (and could outgrow the buffer).
  char buffer[64];
  if (std::fabs(value) >= 1e15) {
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return buffer;
  }
  std::snprintf(buffer, sizeof buffer, "%.*f", std::min(decimals_max, 9), value);
  std::string out(buffer);
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  if (out == "-0") out = "0";
  return out;
}

std::string format_percent(double ratio) { return format_number(ratio * 100.0, 2) + " %"; }

ObjectiveShape objective_shape(std::string_view name) {
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends_with("_within") || ends_with("_ms")) return {" ms", "≤"};
  if (ends_with("_min")) return {"", "≥"};
  return {"", "≤"};
}

const json::object* find_objective(const json::object& report, std::string_view name) {
  for (const json::value& v : array(report, "objectives")) {
    if (v.is_object() && text(v.as_object(), "name") == name) return &v.as_object();
  }
  return nullptr;
}

std::string verdict_marker(std::string_view verdict) {
  if (verdict == "pass") return "PASS";
  if (verdict == "objectives_missed") return "OBJECTIVES MISSED";
  if (verdict == "safety_failure") return "SAFETY FAILURE";
  if (verdict == "inconclusive") return "INCONCLUSIVE";
  if (verdict == "aborted") return "ABORTED";
  return "UNKNOWN VERDICT (" + std::string(verdict) + ")";
}

}  // namespace firedrill::report_values
