// Duration and size parsing for scenario and system definition files; see duration.h.
#include "scenario/duration.h"

#include <cmath>
#include <cstdlib>

namespace firedrill {
namespace {

// Splits "1.5s" into 1.5 and "s"; false when there is no number or no unit.
bool split_number_unit(std::string_view text, double& number, std::string& unit) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0 || i == text.size()) return false;
  std::string digits(text.substr(0, i));
  if (digits.front() == '.' || digits.back() == '.' ||
      digits.find('.') != digits.rfind('.')) {
    return false;
  }
  number = std::strtod(digits.c_str(), nullptr);
  unit = std::string(text.substr(i));
  return std::isfinite(number);
}

}  // namespace

Result<Milliseconds> parse_duration(std::string_view text) {
  double number = 0;
  std::string unit;
  const std::string hint = "expected a duration like \"500ms\", \"30s\", \"2m\" or \"1h\", got \"" +
                           std::string(text) + "\"";
  if (!split_number_unit(text, number, unit)) return Status::error(hint);
  double scale = unit == "ms" ? 1 : unit == "s" ? 1e3 : unit == "m" ? 60e3 : unit == "h" ? 3600e3 : 0;
  if (scale == 0) return Status::error(hint);
  double ms = number * scale;
  if (ms > 1e12) return Status::error("duration \"" + std::string(text) + "\" is too long");
  if (ms != std::floor(ms)) {
    return Status::error("duration \"" + std::string(text) + "\" is not a whole number of milliseconds");
  }
  return Milliseconds(static_cast<int64_t>(ms));
}

std::string format_duration(Milliseconds duration) {
  int64_t ms = duration.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0 && ms >= 120'000) return std::to_string(ms / 60'000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

Result<int64_t> parse_size_bytes(std::string_view text) {
  double number = 0;
  std::string unit;
  const std::string hint = "expected a size like \"64MiB\", \"512KiB\" or \"1GiB\", got \"" +
                           std::string(text) + "\"";
  if (!split_number_unit(text, number, unit)) return Status::error(hint);
  double scale = unit == "B" ? 1 : unit == "KiB" ? 1024.0 : unit == "MiB" ? 1048576.0
               : unit == "GiB" ? 1073741824.0 : 0;
  if (scale == 0) return Status::error(hint);
  double bytes = number * scale;
  if (bytes > 1e15 || bytes != std::floor(bytes)) return Status::error(hint);
  return static_cast<int64_t>(bytes);
}

}  // namespace firedrill
