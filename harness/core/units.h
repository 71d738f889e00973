// Unit conversions the harness uses in more than one place. Timeline times are nanoseconds on the
// controller's monotonic clock; scenarios and reports speak milliseconds.
#pragma once

#include <cstdint>

namespace firedrill {

inline constexpr int64_t kNsPerMs = 1'000'000;

}  // namespace firedrill
