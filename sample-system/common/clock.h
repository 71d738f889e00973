// Time in refpay. Timers and deadlines use the steady clock (Clock). Timestamps use the wall
// clock, deliberately the real-time clock (CLOCK_REALTIME), which is what libfaketime skews in a
// clock-skew drill.
#pragma once

#include <chrono>
#include <cstdint>

namespace refpay {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Unix time in milliseconds, from this process's (possibly skewed) wall clock.
inline int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace refpay
