// The fast path of the timeline reader: a JSON object whose values are all strings, integers,
// booleans or null, read in one pass without building a JSON value. The workload's records (two
// per payment, nearly every line) have that shape, and reading them with boost::json costs about
// ten times as much.
//
// It accepts a strict subset of JSON and reads it exactly as boost::json would: strings of ASCII
// whose escapes are the two-character ones (\" \\ \/ \b \f \n \r \t), integers of at most 18
// digits (no fraction or exponent, no leading zero, no "-0"), at most kFieldsMax fields, each
// name once. Anything else (a \u escape, a byte outside ASCII, a double, a nested value, a
// repeated name, anything not JSON) returns false, and the caller reads the line with boost::json,
// which then decides.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

namespace firedrill {

// One value of a flat object. `text` views into the line or into the object's scratch.
struct FlatValue {
  enum class Type : uint8_t { string, integer, boolean, null };
  Type type = Type::null;
  bool boolean = false;
  int64_t integer = 0;
  std::string_view text;
};

class FlatObject {
 public:
  static constexpr std::size_t kFieldsMax = 16;

  // Reads `line`; false when it is not a flat object of the accepted shape. Views stay valid
  // until the next parse() and while `line` is.
  bool parse(std::string_view line);
  // The value of field `name`, or nullptr. Fastest when asked in the order the fields are written.
  const FlatValue* find(std::string_view name) const;

 private:
  struct Entry {
    std::string_view name;
    FlatValue value;
  };
  bool parse_fields(std::string_view line, std::size_t& i);
  bool parse_string(std::string_view line, std::size_t& i, std::string_view& out);
  bool parse_value(std::string_view line, std::size_t& i, FlatValue& out);
  bool add(std::string_view name, const FlatValue& value);

  std::array<Entry, kFieldsMax> entries_{};
  std::size_t count_ = 0;
  uint64_t name_hashes_ = 0;  // one bit per name seen, to find a repeated name cheaply
  mutable std::size_t cursor_ = 0;  // where the next find() starts
  std::string scratch_;  // unescaped strings; reserved to the line's size so views stay valid
};

namespace record_codec {

// The flat counterparts of read_value(const json::value*, T&) (record_codec.h), for the types the
// workload's records hold; the same value in the same way.
bool read_value(const FlatValue* v, std::string_view& out);
bool read_value(const FlatValue* v, int64_t& out);
template <class T>
bool read_value(const FlatValue* v, std::optional<T>& out) {
  T value{};
  out.reset();
  if (!read_value(v, value)) return false;
  out = value;
  return true;
}

// A record of type R from a flat object (the workload's records).
template <class R>
R decode_fields(const FlatObject& fields) {
  R record{};
  std::apply([&](const auto&... f) { (read_value(fields.find(f.name), record.*(f.member)), ...); }, R::fields());
  return record;
}

}  // namespace record_codec
}  // namespace firedrill
