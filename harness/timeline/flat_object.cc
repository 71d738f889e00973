// The fast path of the timeline reader; see flat_object.h.
#include "timeline/flat_object.h"

#include <bit>
#include <cstring>

namespace firedrill {
namespace {

static_assert(std::endian::native == std::endian::little, "find_special reads 8 bytes as a little-endian word");

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void skip_space(std::string_view s, std::size_t& i) {
  while (i < s.size() && is_space(s[i])) ++i;
}

// The index of the first byte at or after `i` that is '"', '\\', below 0x20 or above 0x7f; the
// string's size when none. Eight bytes at a time: the lowest flagged byte of each word is a true
// one (a borrow only runs upwards from a byte that is itself flagged).
std::size_t find_special(std::string_view s, std::size_t i) {
  constexpr uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t x = 0;
    std::memcpy(&x, s.data() + i, 8);
    const uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
    const uint64_t flagged =
        (((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | (x - ones * 0x20) | x) & highs;
    if (flagged != 0) return i + static_cast<std::size_t>(std::countr_zero(flagged)) / 8;
  }
  for (; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\' || c < 0x20 || c > 0x7f) return i;
  }
  return s.size();
}

// The character a two-character escape stands for; 0 for \u (not read here) and invalid ones.
char unescaped(char c) {
  switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return 0;
  }
}

// A bit per name, chosen so that the workload records' names get distinct bits.
uint64_t name_bit(std::string_view name) {
  if (name.empty()) return 1;
  const auto first = static_cast<unsigned char>(name.front()), last = static_cast<unsigned char>(name.back());
  return uint64_t{1} << ((name.size() + first * 15u + last) & 63u);
}

}  // namespace

bool FlatObject::parse(std::string_view line) {
  count_ = 0;
  name_hashes_ = 0;
  cursor_ = 0;
  scratch_.clear();
  if (scratch_.capacity() < line.size()) scratch_.reserve(line.size());
  std::size_t i = 0;
  skip_space(line, i);
  if (i >= line.size() || line[i] != '{') return false;
  ++i;
  skip_space(line, i);
  if (i < line.size() && line[i] == '}') {
    ++i;
  } else if (!parse_fields(line, i)) {
    return false;
  }
  skip_space(line, i);
  return i == line.size();
}

// The fields of a non-empty object, through its closing brace.
bool FlatObject::parse_fields(std::string_view line, std::size_t& i) {
  for (;;) {
    std::string_view name;
    FlatValue value;
    if (!parse_string(line, i, name)) return false;
    skip_space(line, i);
    if (i >= line.size() || line[i] != ':') return false;
    ++i;
    skip_space(line, i);
    if (!parse_value(line, i, value) || !add(name, value)) return false;
    skip_space(line, i);
    if (i >= line.size()) return false;
    if (line[i] == '}') {
      ++i;
      return true;
    }
    if (line[i] != ',') return false;
    ++i;
    skip_space(line, i);
  }
}

// A string starting at line[i] == '"'; a view into the line when it has no escape, else into
// the scratch (which never reallocates: it holds at most the line's size).
bool FlatObject::parse_string(std::string_view line, std::size_t& i, std::string_view& out) {
  if (i >= line.size() || line[i] != '"') return false;
  const std::size_t begin = ++i;
  i = find_special(line, i);
  if (i < line.size() && line[i] == '"') {
    out = line.substr(begin, i - begin);
    ++i;
    return true;
  }
  const std::size_t start = scratch_.size();
  scratch_.append(line.substr(begin, i - begin));
  while (i < line.size() && line[i] == '\\') {
    const char c = i + 1 < line.size() ? unescaped(line[i + 1]) : 0;
    if (c == 0) return false;
    scratch_.push_back(c);
    const std::size_t next = find_special(line, i + 2);
    scratch_.append(line.substr(i + 2, next - (i + 2)));
    i = next;
  }
  if (i >= line.size() || line[i] != '"') return false;  // a control byte, a byte outside ASCII, the end
  ++i;
  out = std::string_view(scratch_).substr(start);
  return true;
}

bool FlatObject::parse_value(std::string_view line, std::size_t& i, FlatValue& out) {
  if (i >= line.size()) return false;
  const char c = line[i];
  if (c == '"') {
    out.type = FlatValue::Type::string;
    return parse_string(line, i, out.text);
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    const bool negative = c == '-';
    if (negative) ++i;
    const std::size_t digits = i;
    int64_t n = 0;
    for (; i < line.size() && line[i] >= '0' && line[i] <= '9' && i - digits < 18; ++i) n = n * 10 + (line[i] - '0');
    const std::size_t count = i - digits;
    if (count == 0 || (line[digits] == '0' && (count > 1 || negative))) return false;
    if (i < line.size() && (line[i] == '.' || line[i] == 'e' || line[i] == 'E' || (line[i] >= '0' && line[i] <= '9'))) {
      return false;  // a double, or more digits than int64 is sure to hold
    }
    out.type = FlatValue::Type::integer;
    out.integer = negative ? -n : n;
    return true;
  }
  for (auto [word, type, truth] : {std::tuple{std::string_view("true"), FlatValue::Type::boolean, true},
                                   std::tuple{std::string_view("false"), FlatValue::Type::boolean, false},
                                   std::tuple{std::string_view("null"), FlatValue::Type::null, false}}) {
    if (line.substr(i, word.size()) == word) {
      i += word.size();
      out.type = type;
      out.boolean = truth;
      return true;
    }
  }
  return false;  // an object, an array, or not JSON
}

// A repeated name returns false: boost::json keeps the last value, and that is its path to read.
bool FlatObject::add(std::string_view name, const FlatValue& value) {
  if (count_ == kFieldsMax) return false;
  const uint64_t bit = name_bit(name);
  if ((name_hashes_ & bit) != 0) {
    for (std::size_t k = 0; k < count_; ++k) {
      if (entries_[k].name == name) return false;
    }
  }
  name_hashes_ |= bit;
  entries_[count_++] = Entry{name, value};
  return true;
}

const FlatValue* FlatObject::find(std::string_view name) const {
  for (std::size_t n = 0; n < count_; ++n) {
    const std::size_t k = (cursor_ + n) % count_;
    if (entries_[k].name == name) {
      cursor_ = k + 1;
      return &entries_[k].value;
    }
  }
  return nullptr;
}

namespace record_codec {

bool read_value(const FlatValue* v, std::string_view& out) {
  out = {};
  if (!v || v->type != FlatValue::Type::string) return false;
  out = v->text;
  return true;
}

bool read_value(const FlatValue* v, int64_t& out) {
  out = 0;
  if (!v || v->type != FlatValue::Type::integer) return false;
  out = v->integer;
  return true;
}

}  // namespace record_codec
}  // namespace firedrill
