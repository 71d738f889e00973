// The fast path of the timeline reader; see workload_line.h.
#include "timeline/workload_line.h"

#include <bit>
#include <cstring>
#include <tuple>

namespace firedrill {
namespace {

static_assert(std::endian::native == std::endian::little, "find_special reads 8 bytes as a little-endian word");

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

// The character a two-character escape stands for; 0 for \u (left to boost::json) and invalid ones.
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

using WorkloadRecords = std::tuple<WorkloadInvoke, WorkloadOk, WorkloadFail, WorkloadUnknown, WorkloadSkipped>;

}  // namespace

// Eight bytes at a time: the literals are short, and a call to memcmp() for each costs more
// than the comparison.
inline bool WorkloadLineReader::expect(std::string_view literal) {
  const std::size_t n = literal.size();
  if (line_.size() - i_ < n) return false;
  const char* at = line_.data() + i_;
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    uint64_t a = 0, b = 0;
    std::memcpy(&a, at + k, 8);
    std::memcpy(&b, literal.data() + k, 8);
    if (a != b) return false;
  }
  for (; k < n; ++k) {
    if (at[k] != literal[k]) return false;
  }
  i_ += n;
  return true;
}

// ,"name":
inline bool WorkloadLineReader::expect_name(std::string_view name) {
  return expect(",\"") && expect(name) && expect("\":");
}

bool WorkloadLineReader::read(std::string_view line, RecordEnvelope& envelope, TimelineRecord& record) {
  line_ = line;
  i_ = 0;
  scratch_.clear();
  if (scratch_.capacity() < line.size()) scratch_.reserve(line.size());
  int64_t seq = 0, t_ns = 0;
  std::string_view kind;
  if (!expect("{\"seq\":") || !read_value(seq) || !expect(",\"t_ns\":") || !read_value(t_ns) ||
      !expect(",\"source\":\"workload\",\"kind\":") || !read_value(kind)) {
    return false;
  }
  envelope = RecordEnvelope{seq, t_ns, kWorkloadSource, kind, {}};
  return std::apply(
      [&](auto... types) {
        return ((kind == decltype(types)::kind && read_record<decltype(types)>(envelope, record)) || ...);
      },
      WorkloadRecords{});
}

// The fields of R in order, then prev and the end of the line.
template <class R>
bool WorkloadLineReader::read_record(RecordEnvelope& envelope, TimelineRecord& record) {
  R& r = record.emplace<R>();
  const bool fields = std::apply([&](const auto&... f) { return (read_field(f.name, r.*(f.member)) && ...); },
                                 R::fields());
  return fields && read_field("prev", envelope.prev) && expect("}") && i_ == line_.size();
}

template <class T>
bool WorkloadLineReader::read_field(std::string_view name, T& out) {
  return expect_name(name) && read_value(out);
}

// An optional field is either there, in its place, or left out.
template <class T>
bool WorkloadLineReader::read_field(std::string_view name, std::optional<T>& out) {
  const std::size_t start = i_;
  if (!expect_name(name)) {
    i_ = start;
    out.reset();
    return true;
  }
  return read_value(out.emplace());
}

bool WorkloadLineReader::read_value(int64_t& out) {
  const bool negative = i_ < line_.size() && line_[i_] == '-';
  if (negative) ++i_;
  const std::size_t digits = i_;
  int64_t n = 0;
  for (; i_ < line_.size() && line_[i_] >= '0' && line_[i_] <= '9' && i_ - digits < 18; ++i_) {
    n = n * 10 + (line_[i_] - '0');
  }
  const std::size_t count = i_ - digits;
  if (count == 0 || (line_[digits] == '0' && (count > 1 || negative))) return false;
  if (i_ < line_.size()) {
    const char c = line_[i_];
    if (c == '.' || c == 'e' || c == 'E' || (c >= '0' && c <= '9')) return false;  // a double, or too long
  }
  out = negative ? -n : n;
  return true;
}

// A string: a view into the line when it has no escape, else into the scratch (which never
// reallocates: it holds at most the line's size).
bool WorkloadLineReader::read_value(std::string_view& out) {
  if (!expect("\"")) return false;
  const std::size_t begin = i_;
  i_ = find_special(line_, i_);
  if (i_ < line_.size() && line_[i_] == '"') {
    out = line_.substr(begin, i_ - begin);
    ++i_;
    return true;
  }
  const std::size_t start = scratch_.size();
  scratch_.append(line_.substr(begin, i_ - begin));
  while (i_ < line_.size() && line_[i_] == '\\') {
    const char c = i_ + 1 < line_.size() ? unescaped(line_[i_ + 1]) : 0;
    if (c == 0) return false;
    scratch_.push_back(c);
    const std::size_t next = find_special(line_, i_ + 2);
    scratch_.append(line_.substr(i_ + 2, next - (i_ + 2)));
    i_ = next;
  }
  if (!expect("\"")) return false;  // a control byte, a byte outside ASCII, the end
  out = std::string_view(scratch_).substr(start);
  return true;
}

}  // namespace firedrill
