// Tests of the stop conditions (harness/runner/stop_guards.h) with hand-built ticks: the error
// ratio trips only after staying above its maximum for its duration, an empty window or a dip
// ends the excess, no_progress measures from the last ok completion (also one in the baseline),
// and nothing trips while unguarded.
#include "runner/stop_guards.h"

#include <gtest/gtest.h>

namespace firedrill {
namespace {

constexpr int64_t kMs = 1'000'000;

std::function<WindowCounts()> counts(int64_t ok, int64_t fail, int64_t unknown) {
  return [=] { return WindowCounts{ok, fail, unknown}; };
}

StopSpec error_ratio_above_half_for_a_second() {
  StopSpec stop;
  stop.error_ratio_max = 0.5;
  stop.error_ratio_for = Milliseconds(1'000);
  return stop;
}

TEST(StopGuards, AnErrorRatioTripsOnlyAfterStayingAboveForItsDuration) {
  const StopSpec stop = error_ratio_above_half_for_a_second();  // the guards keep a reference
  StopGuards guards(stop);
  EXPECT_FALSE(guards.check(0, 10, counts(10, 0, 0), true));
  EXPECT_FALSE(guards.check(100 * kMs, 10, counts(2, 6, 2), true));    // above since 100 ms
  EXPECT_FALSE(guards.check(1'000 * kMs, 10, counts(2, 6, 2), true));  // 900 ms above
  auto trip = guards.check(1'100 * kMs, 10, counts(2, 6, 2), true);    // 1 s above
  ASSERT_TRUE(trip);
  EXPECT_EQ(trip->guard, "error_ratio");
  EXPECT_EQ(trip->since_ns, 100 * kMs);
  EXPECT_DOUBLE_EQ(trip->observed.as_double(), 0.8);
  EXPECT_DOUBLE_EQ(trip->threshold.as_double(), 0.5);
  EXPECT_EQ(trip->hold, Milliseconds(1'000));
  EXPECT_NE(trip->reason.find("stop condition error_ratio: 0.80 > 0.5"), std::string::npos) << trip->reason;
}

TEST(StopGuards, ADipOrAnEmptyWindowEndsTheExcess) {
  const StopSpec stop = error_ratio_above_half_for_a_second();  // the guards keep a reference
  StopGuards guards(stop);
  EXPECT_FALSE(guards.check(0, 1, counts(0, 10, 0), true));
  EXPECT_FALSE(guards.check(600 * kMs, 1, counts(0, 0, 0), true));  // nothing completed: no ratio
  EXPECT_FALSE(guards.check(700 * kMs, 1, counts(0, 10, 0), true));
  EXPECT_FALSE(guards.check(1'200 * kMs, 1, counts(10, 0, 0), true));  // a dip
  EXPECT_FALSE(guards.check(1'300 * kMs, 1, counts(0, 10, 0), true));
  EXPECT_FALSE(guards.check(2'200 * kMs, 1, counts(0, 10, 0), true));
  EXPECT_TRUE(guards.check(2'300 * kMs, 1, counts(0, 10, 0), true));
}

TEST(StopGuards, NoProgressCountsFromTheLastOkCompletionEvenOneBeforeTheGuardedPhases) {
  StopSpec stop;
  stop.no_progress_for = Milliseconds(2'000);
  StopGuards guards(stop);
  EXPECT_FALSE(guards.check(0, 5, counts(0, 0, 0), false));
  EXPECT_FALSE(guards.check(1'000 * kMs, 6, counts(0, 0, 0), false));  // the last ok, in the baseline
  EXPECT_FALSE(guards.check(2'500 * kMs, 6, counts(0, 0, 0), true));
  auto trip = guards.check(3'000 * kMs, 6, counts(0, 0, 0), true);
  ASSERT_TRUE(trip);
  EXPECT_EQ(trip->guard, "no_progress");
  EXPECT_EQ(trip->since_ns, 1'000 * kMs);
  EXPECT_EQ(trip->observed.as_int64(), 2'000);
  EXPECT_EQ(trip->threshold.as_int64(), 2'000);
}

TEST(StopGuards, NothingTripsWhileUnguardedOrWithoutGuards) {
  StopSpec stop;
  stop.no_progress_for = Milliseconds(1);
  stop.error_ratio_max = 0.1;
  stop.error_ratio_for = Milliseconds(1);
  StopGuards guarded_off(stop);
  for (int64_t t = 0; t < 10; ++t) EXPECT_FALSE(guarded_off.check(t * 1'000 * kMs, 0, counts(0, 10, 0), false));
  StopSpec none;
  StopGuards no_guards(none);
  bool asked = false;
  for (int64_t t = 0; t < 10; ++t) {
    EXPECT_FALSE(no_guards.check(t * 1'000 * kMs, 0, [&] { asked = true; return WindowCounts{}; }, true));
  }
  EXPECT_FALSE(asked) << "the window is read only when the error ratio guard is set";
}

}  // namespace
}  // namespace firedrill
