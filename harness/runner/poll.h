// Waiting for a condition on the io_context: the runner's "until the system is healthy" and
// "until the baseline is steady" are the same loop with a deadline (STYLE.md habit 5: a limit
// on everything).
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>

namespace firedrill {

struct Poll {
  std::chrono::milliseconds interval{100};
  std::chrono::steady_clock::time_point deadline;
  std::function<bool()> halted;      // true: the drill is ending, stop without calling anything
  std::function<bool()> ready;       // the condition
  std::function<void()> done;        // called once `ready` holds
  std::function<void()> timed_out;   // called once the deadline passed without it
};

// Checks now, then every `interval` on `timer`; a cancelled timer ends the loop silently.
void poll_until(boost::asio::steady_timer& timer, Poll poll);

}  // namespace firedrill
