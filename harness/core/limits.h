// The limits of firedrill, named once with the unit last (STYLE.md habit 5). One section per area;
// each limit says what it bounds.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace firedrill {

// ---- scenario ----
// What a scenario and a system definition may ask for; the loader enforces each
// (scenarios/README.md documents them).
// The longest fault phase of one drill; also bounds every time inside it (`at`, fault durations,
// objectives, stop guards).
inline constexpr std::chrono::milliseconds kDrillDurationMaxMs{3'600'000};
// The longest baseline, convergence, steady-state window, hold and p99 bound, and node start-up.
inline constexpr std::chrono::milliseconds kPhaseDurationMaxMs{600'000};
// The longest wait of one request-sized thing: a workload request, a retry delay, a probe period,
// a node's stop grace.
inline constexpr std::chrono::milliseconds kRequestDurationMaxMs{60'000};
// The longest a node action ([node.actions]) may run.
inline constexpr std::chrono::milliseconds kActionTimeoutMaxMs{3'600'000};
// The range of a declared mean time between failures.
inline constexpr std::chrono::milliseconds kMtbfMinMs{3'600'000};
inline constexpr std::chrono::milliseconds kMtbfMaxMs{100LL * 365 * 86'400'000};
// The largest clock.skew offset, either way.
inline constexpr std::chrono::milliseconds kClockOffsetMaxMs{365LL * 86'400'000};
inline constexpr std::size_t kFaultsMax = 64;
inline constexpr double kRatePerSecondMax = 20'000;
inline constexpr int64_t kInFlightMax = 10'000;
inline constexpr int64_t kNodesMax = 64;
inline constexpr int64_t kAccountsMax = 1'000'000;
// The largest amount of one payment, in minor units.
inline constexpr int64_t kPaymentAmountMax = int64_t{1} << 40;
inline constexpr int64_t kWorkloadRetriesMax = 10;
inline constexpr int64_t kProbeFailuresMax = 1000;
// The largest count an objective may name (lost or duplicated payments) and a fault's integer
// parameter.
inline constexpr int64_t kCountMax = 2'147'483'647;
// The range of a fault's decimal parameter (clock.skew's rate).
inline constexpr double kFaultNumberMin = 0.001;
inline constexpr double kFaultNumberMax = 1000;
// The largest initial balance of an account, in minor units.
inline constexpr int64_t kInitialBalanceMax = int64_t{1} << 60;
// The range of a node's volume_size.
inline constexpr int64_t kVolumeMinBytes = int64_t{1} << 20;
inline constexpr int64_t kVolumeMaxBytes = int64_t{16} << 30;
// The range of network.bandwidth's `rate`.
inline constexpr int64_t kBandwidthMinBitsPerS = 8'000;
inline constexpr int64_t kBandwidthMaxBitsPerS = 100'000'000'000;
// std::regex compiles a pattern by recursion, one level per nested group: thousands of nested
// parentheses overflow the stack (found by tests/fuzz/), so [[detection.log]] patterns are short.
inline constexpr std::size_t kLogPatternMaxBytes = 1024;

}  // namespace firedrill
