// The injection-latency benchmarks' shared steps: one asynchronous fault step run to completion
// on an io_context and timed, and a quantile of the samples.
#pragma once

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "fault/fault.h"

namespace firedrill::bench {

// Runs one asynchronous fault step to completion on `io`; returns its duration in ms or -1.
inline double timed_step(boost::asio::io_context& io, const std::function<void(FaultDone)>& step) {
  bool done = false, ok = false;
  const auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point end;
  step([&](Status s, boost::json::object) {
    end = std::chrono::steady_clock::now();
    ok = s.is_ok();
    done = true;
    if (!s) std::fprintf(stderr, "  step failed: %s\n", s.message().c_str());
  });
  io.restart();
  while (!done) io.run_one();
  return ok ? std::chrono::duration<double, std::milli>(end - start).count() : -1;
}

// The q-quantile (0..1) of `v`, by index ⌊q·(n−1)⌋ of the sorted samples.
inline double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

}  // namespace firedrill::bench
