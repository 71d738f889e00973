// Times as report.json gives them: the timeline counts nanoseconds on the controller's clock,
// the report milliseconds rounded to the microsecond.
#pragma once

#include <algorithm>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstdint>
#include <optional>

#include "core/units.h"

namespace firedrill {


// `ns` in milliseconds, rounded to the microsecond.
inline double ms(int64_t ns) {
  return std::round(static_cast<double>(ns) / 1e3) / 1e3;
}

// `ns` in milliseconds (not rounded), or null.
inline boost::json::value ms_or_null(std::optional<int64_t> ns) {
  return ns ? boost::json::value(static_cast<double>(*ns) / kNsPerMs) : boost::json::value(nullptr);
}

// later − earlier in milliseconds (at least 0), or null when either instant is missing.
inline boost::json::value difference_ms(const std::optional<int64_t>& later,
                                        const std::optional<int64_t>& earlier) {
  if (!later.has_value() || !earlier.has_value()) return nullptr;
  return ms(std::max<int64_t>(0, later.value() - earlier.value()));
}

}  // namespace firedrill
