// The one percentile of the harness. Scoring, the runner's baseline gate, the workload's
// statistics and the HTML chart all use it, so "the p99" is one number wherever it is shown.
//
// Definition: the element at index ⌊p·(n−1)⌋ of the sample sorted ascending (0-based), so the
// p99 of 100 values is the 99th smallest (index 98) and the p99 of 1 value is that value. This is
// the definition report.json has always used (its recovery times depend on it), which is why it
// is kept over the nearest-rank ⌈p·n⌉ the workload and the chart once had.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <iterator>
#include <optional>
#include <vector>

namespace firedrill {

// The 0-based index, in the sorted sample of `n` > 0 values, of the percentile `p` in [0, 1].
inline std::size_t percentile_index(std::size_t n, double p) {
  assert(n > 0);
  return static_cast<std::size_t>(p * static_cast<double>(n - 1));
}

// The percentile `p` of `sample` (reordered: a partial sort, O(n)), or nullopt when it is empty.
template <typename T>
std::optional<T> percentile(std::vector<T>& sample, double p) {
  if (sample.empty()) return std::nullopt;
  const auto nth = sample.begin() + static_cast<std::ptrdiff_t>(percentile_index(sample.size(), p));
  std::nth_element(sample.begin(), nth, sample.end());
  return *nth;
}

// The percentile `p` of a sample given as counts per ascending bucket (a histogram): the bucket
// that holds the element percentile_index() names, or nullopt when every count is 0.
template <typename Count>
std::optional<std::size_t> percentile_bucket(const std::vector<Count>& counts, double p) {
  std::size_t total = 0;
  for (const Count c : counts) total += static_cast<std::size_t>(c);
  if (total == 0) return std::nullopt;
  const std::size_t index = percentile_index(total, p);
  std::size_t seen = 0;
  for (std::size_t bucket = 0; bucket < counts.size(); ++bucket) {
    seen += static_cast<std::size_t>(counts[bucket]);
    if (seen > index) return bucket;
  }
  return counts.size() - 1;  // not reached: seen == total > index at the end
}

}  // namespace firedrill
