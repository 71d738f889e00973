// Payments of one kind in the reconciliation (lost, duplicated, never requested, …): how many,
// their amount, and the first kReportIdsListedMax keys (core/limits.h). Also the clamped sums
// scoring adds money with.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/limits.h"

namespace firedrill {

// Sums of amounts and balances, clamped to int64: a damaged export or balances file may hold any
// int64 (overflow would be undefined), and such values are flagged anyway (corrupted,
// unexpected, balances differ from the replay), so the clamp changes no verdict.
inline int64_t clamped_add(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? INT64_MAX : INT64_MIN;
  return sum;
}
inline int64_t clamped_sub(int64_t a, int64_t b) {
  int64_t difference = 0;
  if (__builtin_sub_overflow(a, b, &difference)) return b < 0 ? INT64_MAX : INT64_MIN;
  return difference;
}

struct Category {
  int64_t count = 0, amount = 0;
  boost::json::array ids;
  void add(std::string_view key, int64_t value) {
    ++count;
    amount = clamped_add(amount, value);
    if (ids.size() < kReportIdsListedMax) ids.push_back(boost::json::value(key));
  }
};

}  // namespace firedrill
