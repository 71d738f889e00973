// poll_until; see poll_until.h.
#include "poll_until.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "supervision/supervisor.h"

namespace firedrill {
namespace {

using Clock = std::chrono::steady_clock;

class Poller : public std::enable_shared_from_this<Poller> {
 public:
  Poller(FaultContext& context, std::function<bool()> observed, std::string what,
         std::function<boost::json::object()> evidence, FaultDone done)
      : timer_(context.io),
        deadline_(Clock::now() + context.step_deadline),
        observed_(std::move(observed)),
        what_(std::move(what)),
        evidence_(std::move(evidence)),
        done_(std::move(done)) {}

  void check() {
    if (observed_()) return done_(Status::ok(), evidence_());
    if (Clock::now() >= deadline_) {
      return done_(Status::error(what_ + ": not observed before the step deadline"), evidence_());
    }
    timer_.expires_after(std::chrono::microseconds(100));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) { self->check(); });
  }

 private:
  boost::asio::steady_timer timer_;
  Clock::time_point deadline_;
  std::function<bool()> observed_;
  std::string what_;
  std::function<boost::json::object()> evidence_;
  FaultDone done_;
};

}  // namespace

void poll_until(FaultContext& context, std::function<bool()> observed, std::string what,
                std::function<boost::json::object()> evidence, FaultDone done) {
  std::make_shared<Poller>(context, std::move(observed), std::move(what), std::move(evidence),
                           std::move(done))
      ->check();
}

void restart_nodes(FaultContext& context, std::vector<std::string> nodes, const std::string& what,
                   std::function<boost::json::object()> evidence, FaultDone done) {
  for (const auto& node : nodes) {
    Status restarted = context.supervisor.restart_after(node, std::chrono::milliseconds(0));
    if (!restarted) return done(restarted.with_context(what), evidence());
  }
  poll_until(
      context,
      [&context, nodes] {
        for (const auto& node : nodes) {
          if (!context.supervisor.running(node)) return false;
        }
        return true;
      },
      what + ": restart", std::move(evidence), std::move(done));
}

}  // namespace firedrill
