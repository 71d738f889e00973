// The supervisor's process events (source "supervisor"): a node's process started, exited, or
// could not be started. Written by the runner from the supervisor's events; read by scoring
// (unexpected exits), the auditor's deviations and the HTML report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "timeline/record_codec.h"

namespace firedrill {

inline constexpr std::string_view kSupervisorSource = "supervisor";

// The fields of started and start_failed.
struct SupervisorProcess {
  std::string node{};
  int64_t pid = 0;
  bool expected = false;  // the plan caused the event (an exit the drill asked for)
  std::optional<std::string> error{};  // only when there is one
  static constexpr auto fields() {
    using R = SupervisorProcess;
    return std::tuple{field("node", &R::node), field("pid", &R::pid), field("expected", &R::expected),
                      field("error", &R::error)};
  }
};

// The node's executable is running.
struct SupervisorStarted : SupervisorProcess {
  static constexpr std::string_view source = kSupervisorSource, kind = "started";
};

// A start or a scheduled restart did not get to exec; `error` says why.
struct SupervisorStartFailed : SupervisorProcess {
  static constexpr std::string_view source = kSupervisorSource, kind = "start_failed";
};

// The node's process was reaped. expected == false is a crash the report shows as unexpected.
struct SupervisorExited {
  static constexpr std::string_view source = kSupervisorSource, kind = "exited";
  std::string node{};
  int64_t pid = 0;
  bool expected = false;
  int64_t exit_code = -1;  // -1 when killed by a signal
  int64_t signal = 0;      // 0 when it exited normally
  std::optional<std::string> error{};
  static constexpr auto fields() {
    using R = SupervisorExited;
    return std::tuple{field("node", &R::node),           field("pid", &R::pid),       field("expected", &R::expected),
                      field("exit_code", &R::exit_code), field("signal", &R::signal), field("error", &R::error)};
  }
};

}  // namespace firedrill
