// Duration and size parsing for scenario and system definition files; see duration.h.
#include "scenario/duration.h"

#include <cctype>
#include <numeric>

namespace firedrill {
namespace {

// A decimal number with a unit, read exactly: "1.005s" is 1005 / 1000 of a second.
struct Decimal {
  int64_t numerator = 0;    // all the digits, without the point
  int64_t denominator = 1;  // 10^(digits after the point)
  std::string unit;
};

// Splits "1.5s" into 15/10 and "s"; false without a number, a unit, or with too many digits.
bool split_number_unit(std::string_view text, Decimal& out) {
  std::size_t i = 0;
  bool point = false;
  int digits = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' && !point && digits > 0) {
      point = true;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      if (++digits > 15) return false;
      out.numerator = out.numerator * 10 + (c - '0');
      if (point) out.denominator *= 10;
    } else {
      break;
    }
  }
  if (digits == 0 || i == text.size() || text[i - 1] == '.') return false;
  out.unit = std::string(text.substr(i));
  return true;
}

// numerator / denominator × scale, when that is a whole number that fits.
bool exact_scaled(const Decimal& d, int64_t scale, int64_t& out) {
  int64_t common = std::gcd(scale, d.denominator);
  int64_t denominator = d.denominator / common;
  if (d.numerator % denominator != 0) return false;
  return !__builtin_mul_overflow(d.numerator / denominator, scale / common, &out);
}

}  // namespace

Result<Milliseconds> parse_duration(std::string_view text) {
  Decimal number;
  const std::string hint = "expected a duration like \"500ms\", \"30s\", \"2m\" or \"1h\", got \"" +
                           std::string(text) + "\"";
  if (!split_number_unit(text, number)) return Status::error(hint);
  const std::string& unit = number.unit;
  int64_t scale = unit == "ms"  ? 1
                  : unit == "s" ? 1000
                  : unit == "m" ? 60'000
                  : unit == "h" ? 3'600'000
                  : unit == "d" ? 86'400'000
                                : 0;
  if (scale == 0) return Status::error(hint);
  int64_t ms = 0;
  if (!exact_scaled(number, scale, ms)) {
    return Status::error("duration \"" + std::string(text) + "\" is not a whole number of milliseconds");
  }
  if (ms > 100'000'000'000'000) return Status::error("duration \"" + std::string(text) + "\" is too long");
  return Milliseconds(ms);
}

std::string format_duration(Milliseconds duration) {
  int64_t ms = duration.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0 && ms >= 120'000) return std::to_string(ms / 60'000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

Result<int64_t> parse_size_bytes(std::string_view text) {
  Decimal number;
  const std::string hint = "expected a size like \"64MiB\", \"512KiB\" or \"1GiB\", got \"" +
                           std::string(text) + "\"";
  if (!split_number_unit(text, number)) return Status::error(hint);
  const std::string& unit = number.unit;
  int64_t scale = unit == "B" ? 1 : unit == "KiB" ? 1024 : unit == "MiB" ? 1 << 20 : unit == "GiB" ? 1 << 30 : 0;
  int64_t bytes = 0;
  if (scale == 0 || !exact_scaled(number, scale, bytes) || bytes > 1'000'000'000'000'000) {
    return Status::error(hint);
  }
  return bytes;
}

}  // namespace firedrill
