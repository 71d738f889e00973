// How a typed timeline record becomes the fields of a JSON line and back. Each record struct
// (records/*.h) lists its fields once, in the order they are written, as a `fields()` tuple of
// `field(name, &Struct::member)`; encode_fields() and decode_fields() walk that list, so a
// struct's encoder and decoder can never disagree about a name or an order.
//
// Decoding is lenient in the way scoring has always read the timeline (a record written by an
// older or damaged controller still scores as before): a missing or mistyped string reads as "",
// a number as 0 (a double is truncated, as the scorer's num() did), a boolean as false, an object
// as {}, a value as null; an std::optional member reads as nullopt when the field is missing or of
// the wrong type, which is how a reader says "fall back to ..." (scheduled_ns falls back to t_ns).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace firedrill {

// Name → text pairs in file order (the lab's node addresses, the environment a node was given).
using StringPairs = std::vector<std::pair<std::string, std::string>>;

// How an std::optional member is written when it holds nothing.
enum class WhenEmpty {
  omitted,  // the field is left out of the line
  null,     // the field is written as null
};

// One field of a record: its name on disk and the member that holds it.
template <class Owner, class T>
struct Field {
  std::string_view name;
  T Owner::*member;
  WhenEmpty when_empty = WhenEmpty::omitted;
};

template <class Owner, class T>
constexpr Field<Owner, T> field(std::string_view name, T Owner::*member) {
  return Field<Owner, T>{name, member, WhenEmpty::omitted};
}

// An optional member written as null when empty ("preload": null).
template <class Owner, class T>
constexpr Field<Owner, std::optional<T>> nullable_field(std::string_view name, std::optional<T> Owner::*member) {
  return Field<Owner, std::optional<T>>{name, member, WhenEmpty::null};
}

namespace record_codec {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
concept HasFields = requires { T::fields(); };

template <class T>
boost::json::value to_json(const T& value);

template <class R>
boost::json::object encode_fields(const R& record);

template <class R>
R decode_fields(const boost::json::object& fields);

// One value, as boost::json writes it (an int64_t stays an integer, a double is written as
// boost::json writes doubles: "5.641851E0").
template <class T>
boost::json::value to_json(const T& value) {
  namespace json = boost::json;
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
    return json::string(value);
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    json::array out;
    out.reserve(value.size());
    for (const auto& s : value) out.emplace_back(json::string(s));
    return out;
  } else if constexpr (std::is_same_v<T, StringPairs>) {
    json::object out;
    out.reserve(value.size());
    for (const auto& [name, text] : value) out[name] = text;
    return out;
  } else if constexpr (HasFields<T>) {
    return encode_fields(value);
  } else {
    static_assert(std::is_same_v<T, bool> || std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t> ||
                      std::is_same_v<T, double> || std::is_same_v<T, json::object> || std::is_same_v<T, json::value>,
                  "a timeline field of a type the codec does not know");
    return json::value(value);
  }
}

// `record` may be of a type derived from the field's owner (FaultApplied of FaultApplyResult).
template <class R, class Owner, class T>
void put(boost::json::object& out, const R& record, const Field<Owner, T>& f) {
  const T& value = record.*(f.member);
  if constexpr (is_optional<T>::value) {
    if (value) {
      out.emplace(f.name, to_json(*value));
    } else if (f.when_empty == WhenEmpty::null) {
      out.emplace(f.name, nullptr);
    }
  } else {
    out.emplace(f.name, to_json(value));
  }
}

// The record's fields, in its declared order (the envelope — seq, t_ns, source, kind, prev — is
// the Timeline's).
template <class R>
boost::json::object encode_fields(const R& record) {
  boost::json::object out;
  out.reserve(std::tuple_size_v<decltype(R::fields())>);
  std::apply([&](const auto&... f) { (put(out, record, f), ...); }, R::fields());
  return out;
}

// ---- decoding from a boost::json object (every record but the workload's fast path) ----------

// The scorer's num(): an integer as it is, a uint64 cast, a double truncated when in range.
inline std::optional<int64_t> integer_of(const boost::json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.as_uint64());
  if (v.is_double()) {
    const double d = v.as_double();
    if (d >= -0x1p63 && d < 0x1p63) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

// Reads `v` (null when the field is missing) into `out`; false when it is missing or of another
// type (then `out` holds the lenient default).
template <class T>
bool read_value(const boost::json::value* v, T& out) {
  namespace json = boost::json;
  out = T{};
  if (!v) return false;
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
    if (!v->is_string()) return false;
    out = T(std::string_view(v->get_string()));
  } else if constexpr (std::is_same_v<T, int64_t>) {
    auto n = integer_of(*v);
    if (!n) return false;
    out = *n;
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    if (v->is_uint64()) out = v->as_uint64();
    else if (v->is_int64()) out = static_cast<uint64_t>(v->as_int64());
    else return false;
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!v->is_bool()) return false;
    out = v->as_bool();
  } else if constexpr (std::is_same_v<T, double>) {
    if (v->is_double()) out = v->as_double();
    else if (v->is_int64()) out = static_cast<double>(v->as_int64());
    else return false;
  } else if constexpr (std::is_same_v<T, json::object>) {
    if (!v->is_object()) return false;
    out = v->get_object();
  } else if constexpr (std::is_same_v<T, json::value>) {
    out = *v;
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    if (!v->is_array()) return false;
    for (const auto& item : v->get_array()) out.emplace_back(item.is_string() ? std::string(item.get_string()) : "");
  } else if constexpr (std::is_same_v<T, StringPairs>) {
    if (!v->is_object()) return false;
    for (const auto& kv : v->get_object()) {
      out.emplace_back(std::string(kv.key()), kv.value().is_string() ? std::string(kv.value().get_string()) : "");
    }
  } else if constexpr (is_optional<T>::value) {
    typename T::value_type value{};
    if (!read_value(v, value)) return false;
    out = std::move(value);
  } else {
    static_assert(HasFields<T>, "a timeline field of a type the codec does not know");
    if (!v->is_object()) return false;
    out = decode_fields<T>(v->get_object());
  }
  return true;
}

// The fields of a record of type R from its JSON object (extra fields are ignored).
template <class R>
R decode_fields(const boost::json::object& fields) {
  R record{};
  std::apply([&](const auto&... f) { (read_value(fields.if_contains(f.name), record.*(f.member)), ...); },
             R::fields());
  return record;
}

}  // namespace record_codec
}  // namespace firedrill
