// The common line of an NDJSON file (a ledger export's transfer, a workload record of the
// timeline), read without building a JSON value: one flat object whose strings have no escapes
// and no bytes outside ASCII, and whose numbers are integers of at most 18 digits (no leading
// zero, no "-0", no fraction or exponent). Such a line is valid JSON and means the same to a full
// parser; anything else is refused, and the caller gives the line to the full parser. A million
// payments are four million such lines, which is why this exists.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace firedrill {

struct FlatValue {
  enum Type : uint8_t { string_value, integer_value, other };  // other: true, false or null
  Type type = other;
  std::string_view text;  // a string's characters (a view into the line)
  int64_t number = 0;
};

namespace flat_json_detail {

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

inline void skip_spaces(std::string_view line, std::size_t& i) {
  while (i < line.size() && is_space(line[i])) ++i;
}

// Whether the 8 bytes of `w` hold a quote, a backslash, a control character or a byte outside
// ASCII: a string's plain characters are checked 8 at a time.
inline bool has_special_byte(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080;
  auto has_zero = [&](uint64_t v) { return ((v - kOnes) & ~v & kHighs) != 0; };
  const bool control = ((w - 0x20 * kOnes) & ~w & kHighs) != 0;  // a byte < 0x20
  return control || (w & kHighs) != 0 || has_zero(w ^ ('"' * kOnes)) || has_zero(w ^ ('\\' * kOnes));
}

// A string without escapes at line[i] (the opening quote), into `out`.
inline bool read_string(std::string_view line, std::size_t& i, std::string_view& out) {
  if (i >= line.size() || line[i] != '"') return false;
  const std::size_t begin = ++i;
  for (uint64_t w; i + 8 <= line.size(); i += 8) {
    std::memcpy(&w, line.data() + i, 8);
    if (has_special_byte(w)) break;
  }
  while (i < line.size() && line[i] != '"') {
    const auto ch = static_cast<unsigned char>(line[i]);
    if (ch == '\\' || ch < 0x20 || ch >= 0x80) return false;
    ++i;
  }
  if (i >= line.size()) return false;
  out = line.substr(begin, i - begin);
  ++i;
  return true;
}

// An integer of at most 18 digits at line[i]; more would overflow int64 (refused).
inline bool read_integer(std::string_view line, std::size_t& i, int64_t& out) {
  const bool negative = line[i] == '-';
  if (negative) ++i;
  const std::size_t digits = i;
  int64_t value = 0;
  for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
    if (i - digits < 18) value = value * 10 + (line[i] - '0');
  }
  const std::size_t count = i - digits;
  if (count == 0 || count > 18 || (line[digits] == '0' && (count > 1 || negative))) return false;
  if (i < line.size() && (line[i] == '.' || line[i] == 'e' || line[i] == 'E')) return false;
  out = negative ? -value : value;
  return true;
}

inline bool read_value(std::string_view line, std::size_t& i, FlatValue& out) {
  if (i >= line.size()) return false;
  const char ch = line[i];
  out = FlatValue{};
  if (ch == '"') {
    out.type = FlatValue::string_value;
    return read_string(line, i, out.text);
  }
  if (ch == '-' || (ch >= '0' && ch <= '9')) {
    out.type = FlatValue::integer_value;
    return read_integer(line, i, out.number);
  }
  if (line.compare(i, 4, "true") == 0 || line.compare(i, 4, "null") == 0) {
    i += 4;
    return true;
  }
  if (line.compare(i, 5, "false") == 0) {
    i += 5;
    return true;
  }
  return false;  // an object, an array, or not JSON
}

}  // namespace flat_json_detail

// Calls `on_field(name, value)` for each field of `line` in order; returns false (perhaps after
// some calls) when the line is not such a flat object or `on_field` returned false.
template <typename OnField>
bool scan_flat_object(std::string_view line, OnField&& on_field) {
  using namespace flat_json_detail;
  std::size_t i = 0;
  skip_spaces(line, i);
  if (i >= line.size() || line[i] != '{') return false;
  ++i;
  skip_spaces(line, i);
  if (i < line.size() && line[i] == '}') {
    ++i;
  } else {
    for (;;) {
      std::string_view name;
      FlatValue value;
      if (!read_string(line, i, name)) return false;
      skip_spaces(line, i);
      if (i >= line.size() || line[i] != ':') return false;
      ++i;
      skip_spaces(line, i);
      if (!read_value(line, i, value) || !on_field(name, value)) return false;
      skip_spaces(line, i);
      if (i < line.size() && line[i] == ',') {
        ++i;
        skip_spaces(line, i);
        continue;
      }
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      return false;
    }
  }
  skip_spaces(line, i);
  return i == line.size();
}

}  // namespace firedrill
