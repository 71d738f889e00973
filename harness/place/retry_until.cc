// retry_until and wait_until; see retry_until.h.
#include "place/retry_until.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

namespace firedrill {

using Clock = std::chrono::steady_clock;

void retry_until(boost::asio::io_context& io, Clock::time_point deadline, std::chrono::microseconds interval,
                 std::function<bool()> attempt, std::function<void()> expired) {
  if (attempt()) return;
  if (Clock::now() >= deadline) return expired();
  auto timer = std::make_shared<boost::asio::steady_timer>(io, interval);
  timer->async_wait([&io, deadline, interval, attempt = std::move(attempt), expired = std::move(expired),
                     timer](const boost::system::error_code&) mutable {
    retry_until(io, deadline, interval, std::move(attempt), std::move(expired));
  });
}

void wait_until(boost::asio::io_context& io, std::chrono::milliseconds deadline_ms,
                std::function<bool()> observed, std::string what, std::function<Evidence()> evidence,
                PlaceDone done) {
  auto shared_done = std::make_shared<PlaceDone>(std::move(done));
  retry_until(
      io, Clock::now() + deadline_ms, std::chrono::microseconds(100),
      [observed = std::move(observed), evidence, shared_done] {
        if (!observed()) return false;
        (*shared_done)(Status::ok(), evidence());
        return true;
      },
      [what = std::move(what), evidence, shared_done] {
        (*shared_done)(Status::error(what + ": not observed before the step deadline"), evidence());
      });
}

}  // namespace firedrill
