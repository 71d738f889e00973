// The polling loop; see poll.h.
#include "runner/poll.h"

#include <memory>

namespace firedrill {

void poll_until(boost::asio::steady_timer& timer, Poll poll) {
  if (poll.halted()) return;
  if (poll.ready()) return poll.done();
  if (std::chrono::steady_clock::now() > poll.deadline) return poll.timed_out();
  timer.expires_after(poll.interval);
  timer.async_wait([&timer, poll = std::move(poll)](const boost::system::error_code& ec) mutable {
    if (!ec) poll_until(timer, std::move(poll));
  });
}

}  // namespace firedrill
