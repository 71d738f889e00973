// How a drill ends early (runner/drill.h): a signal, the StopSwitch (the live page's stop button),
// a stop guard, an error. Each ends the drill the same way, every fault reverted and the reports
// written: Drill::abort.
#include <boost/asio/post.hpp>
#include <csignal>
#include <cstring>

#include "runner/drill.h"

namespace firedrill {

// As the lab's PID 1 the controller ignores any signal it has no handler for: every signal
// that should end a drill is handled here (the outer process forwards them).
void Drill::watch_signals() {
  signals_.add(SIGHUP);
  signals_.add(SIGQUIT);
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (!ec) abort(std::string("signal ") + sigabbrev_np(sig));
  });
  if (options_.stop_switch) {
    // Called on the requesting thread: the abort itself runs on the drill's loop.
    options_.stop_switch->connect([this](const std::string& why) { boost::asio::post(io_, [this, why] { abort(why); }); });
  }
}

Drill::~Drill() { stop_watching(); }

void Drill::stop_watching() {
  if (options_.stop_switch) options_.stop_switch->disconnect();
}

void Drill::abort(const std::string& why) {
  if (ending() || aborting_) return;
  aborting_ = true;
  if (end_ == RunEnd::completed) end_ = RunEnd::aborted;  // an earlier inconclusive result wins
  timeline_->write(HarnessAbort{.reason = why});
  console_.say("aborting (" + why + "): reverting faults");
  phase_timer_.cancel();
  heal_then([this] { stop_traffic(); });
}

void Drill::fail(const std::string& where, const Status& status) {
  ++counts_.harness_errors;
  if (end_ == RunEnd::completed) end_ = RunEnd::error;
  timeline_->write(HarnessError{.where = where, .error = status.message()});
  console_.say("error: " + where + ": " + status.message());
}

void Drill::check_stop_guards() {
  if (!workload_) return;
  const bool guarded = faults_may_act(phases_.current()) && !aborting_ && !ending() && !traffic_stopped_;
  auto window = [this] {
    const auto w = workload_->window(std::chrono::nanoseconds(scenario_.steady_state.window).count());
    return WindowCounts{w.ok, w.fail, w.unknown};
  };
  if (auto trip = guards_.check(timeline_->now_ns(), workload_->totals().ok, window, guarded)) {
    record_stop_trip(*timeline_, *trip);
    abort(trip->reason);
  }
}

}  // namespace firedrill
