// The common line of a ledger export (one transfer), read without building a JSON value: one flat object whose strings have no escapes
// and no bytes outside ASCII, and whose numbers are integers of at most 18 digits (no leading
// zero, no "-0", no fraction or exponent). Such a line is valid JSON and means the same to a full
// parser; anything else is refused, and the caller gives the line to the full parser. A million
// payments are three million such lines (one per export), which is why this exists. The
// timeline's workload lines have a reader of their own on the same rules
// (timeline/workload_line.h), in the layer below scoring.
#pragma once

#include <cstdint>
#include <string_view>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace firedrill {

struct FlatValue {
  enum Type : uint8_t { string_value, integer_value, other };  // other: true, false or null
  Type type = other;
  std::string_view text;  // a string's characters (a view into the line)
  int64_t number = 0;
};

namespace flat_json_detail {

inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

inline void skip_spaces(std::string_view line, std::size_t& i) {
  while (i < line.size() && is_space(line[i])) ++i;
}

// The index of the first byte of `line` from `i` that can end a string's plain characters (a
// quote, a backslash, a control character, a byte outside ASCII), or a lower one: 16 bytes are
// checked at a time (SSE2: a signed compare below 0x20 catches both control characters and the
// bytes from 0x80), the rest by the caller byte by byte.
inline std::size_t skip_plain_bytes(std::string_view line, std::size_t i) {
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                space = _mm_set1_epi8(0x20);
  for (; i + 16 <= line.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(line.data() + i));
    const __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                     _mm_cmplt_epi8(v, space));
    if (const int mask = _mm_movemask_epi8(special); mask != 0)
      return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  return i;
}

// A string without escapes at line[i] (the opening quote), into `out`.
inline bool read_string(std::string_view line, std::size_t& i, std::string_view& out) {
  if (i >= line.size() || line[i] != '"') return false;
  const std::size_t begin = ++i;
  i = skip_plain_bytes(line, i);
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
