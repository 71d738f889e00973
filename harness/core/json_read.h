// The harness's one set of never-throw JSON readers: a missing key, or a value of another type,
// reads as the fallback, never as an exception. run.json, timeline records and report.json are
// read through these (reports/ keeps its own, report_values, because it includes nothing of the
// harness). Header-only; Boost.JSON is the only dependency.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace firedrill::json_read {

// The value at `key`, or nullptr when absent.
inline const boost::json::value* field(const boost::json::object& o, std::string_view key) {
  return o.if_contains(key);
}

// A string value as a view into it (valid while the value is), or "" when absent or not a string.
inline std::string_view view_of(const boost::json::value* v) {
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}
inline std::string_view view(const boost::json::object& o, std::string_view key) {
  return view_of(field(o, key));
}

// The string at `key`, copied, or "" when absent or not a string.
inline std::string text(const boost::json::object& o, std::string_view key) {
  return std::string(view(o, key));
}

// An integer value (a floating value is truncated), or `fallback` when absent, not a number, or a
// floating value outside int64's range (casting 1e300 or infinity is undefined).
inline int64_t integer_of(const boost::json::value* v, int64_t fallback = 0) {
  if (!v) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  if (v->is_double()) {
    const double d = v->as_double();
    return d >= -0x1p63 && d < 0x1p63 ? static_cast<int64_t>(d) : fallback;
  }
  return fallback;
}
inline int64_t integer(const boost::json::object& o, std::string_view key, int64_t fallback = 0) {
  return integer_of(field(o, key), fallback);
}

// The integer at `key`, or nullopt when absent or null (another type reads as 0).
inline std::optional<int64_t> optional_integer(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = field(o, key);
  if (!v || v->is_null()) return std::nullopt;
  return integer_of(v);
}

// The floating or int64 value at `key`, or `fallback`.
inline double number(const boost::json::object& o, std::string_view key, double fallback = 0) {
  const boost::json::value* v = field(o, key);
  if (!v) return fallback;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  return fallback;
}

// True only for the boolean true at `key`.
inline bool flag(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = field(o, key);
  return v && v->is_bool() && v->as_bool();
}

// True when every key of `some` (but `ignored`) is in `all` with an equal value: an alert's
// labels against a rule's, or a series' against an alert's.
inline bool includes(const boost::json::object& all, const boost::json::object& some, std::string_view ignored = {}) {
  for (const auto& [key, value] : some) {
    if (!ignored.empty() && key == ignored) continue;
    const boost::json::value* mine = all.if_contains(key);
    if (!mine || *mine != value) return false;
  }
  return true;
}

// The object / array at `key`, or an empty one.
inline const boost::json::object& object(const boost::json::object& o, std::string_view key) {
  static const boost::json::object empty;
  const boost::json::value* v = field(o, key);
  return v && v->is_object() ? v->as_object() : empty;
}
inline const boost::json::array& array(const boost::json::object& o, std::string_view key) {
  static const boost::json::array empty;
  const boost::json::value* v = field(o, key);
  return v && v->is_array() ? v->as_array() : empty;
}

// The value at `key` copied, or null when absent.
inline boost::json::value value_or_null(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = field(o, key);
  return v ? *v : boost::json::value(nullptr);
}

}  // namespace firedrill::json_read
