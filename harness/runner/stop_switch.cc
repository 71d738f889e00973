// StopSwitch; see stop_switch.h.
#include "runner/stop_switch.h"

namespace firedrill {

StopSwitch::Outcome StopSwitch::request(const std::string& why) {
  std::lock_guard lock(mutex_);
  if (over_) return Outcome::drill_over;
  if (requested_) return Outcome::already;
  requested_ = true;
  if (stop_) {
    stop_(why);
  } else {
    pending_ = why;
  }
  return Outcome::stopping;
}

void StopSwitch::connect(std::function<void(const std::string&)> stop) {
  std::lock_guard lock(mutex_);
  stop_ = std::move(stop);
  if (pending_) stop_(*pending_);
  pending_.reset();
}

void StopSwitch::disconnect() {
  std::lock_guard lock(mutex_);
  stop_ = nullptr;
  over_ = true;
}

}  // namespace firedrill
