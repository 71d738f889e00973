// core/percentile.h: the one percentile, ⌊p·(n−1)⌋ of the sorted sample.
#include "core/percentile.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace firedrill {
namespace {

TEST(Percentile, EmptySampleHasNone) {
  std::vector<int64_t> none;
  EXPECT_FALSE(percentile(none, 0.99).has_value());
}

TEST(Percentile, OneValueIsEveryPercentile) {
  std::vector<int64_t> one{7};
  EXPECT_EQ(percentile(one, 0.0), 7);
  EXPECT_EQ(percentile(one, 0.5), 7);
  EXPECT_EQ(percentile(one, 0.99), 7);
  EXPECT_EQ(percentile(one, 1.0), 7);
}

TEST(Percentile, IndexIsFloorOfPTimesNMinusOne) {
  EXPECT_EQ(percentile_index(100, 0.99), 98u);  // ⌊0.99·99⌋ = 98
  EXPECT_EQ(percentile_index(101, 0.99), 99u);  // ⌊0.99·100⌋
  EXPECT_EQ(percentile_index(10, 0.99), 8u);  // ⌊8.91⌋ = 8 where the nearest rank gives index 9
  EXPECT_EQ(percentile_index(10, 0.5), 4u);
  EXPECT_EQ(percentile_index(2, 1.0), 1u);
}

TEST(Percentile, UnsortedSampleGivesTheSortedElement) {
  std::vector<int64_t> sample;
  for (int64_t v = 100; v >= 1; --v) sample.push_back(v);  // 100 … 1
  EXPECT_EQ(percentile(sample, 0.99), 99);
  EXPECT_EQ(percentile(sample, 0.50), 50);  // index ⌊49.5⌋ = 49 → the value 50
  EXPECT_EQ(percentile(sample, 0.0), 1);
}

TEST(Percentile, TenValuesP99IsTheNinth) {
  std::vector<double> sample{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  EXPECT_EQ(percentile(sample, 0.99), 9.0);
}

TEST(Percentile, HistogramBucketMatchesTheSample) {
  // 3 values in bucket 0, 6 in bucket 2, 1 in bucket 5: sorted indices 0-2, 3-8, 9.
  const std::vector<int64_t> counts{3, 0, 6, 0, 0, 1};
  EXPECT_EQ(percentile_bucket(counts, 0.99), 2u);  // index 8
  EXPECT_EQ(percentile_bucket(counts, 1.0), 5u);   // index 9
  EXPECT_EQ(percentile_bucket(counts, 0.2), 0u);   // index 1
  EXPECT_FALSE(percentile_bucket(std::vector<int64_t>{0, 0}, 0.5).has_value());
}

}  // namespace
}  // namespace firedrill
