// The one retry-until-deadline loop of the places: look again until it is so, or the step's
// deadline passes (a process reaped, a state letter, a volume full, a clock read, a file there).
// Runs on the controller's io_context; each look is a short synchronous check.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "place/place.h"

namespace boost::asio {
class io_context;
}

namespace firedrill {

// Calls `attempt` now and then every `interval` until it returns true (it has reported the step
// itself), or calls `expired` once `deadline` has passed.
void retry_until(boost::asio::io_context& io, std::chrono::steady_clock::time_point deadline,
                 std::chrono::microseconds interval, std::function<bool()> attempt,
                 std::function<void()> expired);

// Calls `done(ok, evidence())` once `observed()` holds, or `done(error "`what`: not observed
// before the step deadline", evidence())` when `deadline_ms` from now passes first. `observed`
// is checked at once, then every 100 µs.
void wait_until(boost::asio::io_context& io, std::chrono::milliseconds deadline_ms,
                std::function<bool()> observed, std::string what,
                std::function<Evidence()> evidence, PlaceDone done);

}  // namespace firedrill
