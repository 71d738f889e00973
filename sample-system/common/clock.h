// Wall-clock time for refpay. Deliberately the real-time clock (CLOCK_REALTIME), which is what
// libfaketime skews in a clock-skew drill; timers and deadlines use the steady clock instead.
#pragma once

#include <chrono>
#include <cstdint>

namespace refpay {

// Unix time in milliseconds, from this process's (possibly skewed) wall clock.
inline int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace refpay
