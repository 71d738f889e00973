// A node's action run for a fault (source "action", [node.actions]): its start with the rendered
// command line, and its end with how it ended and the JSON report it printed last. Written by the
// runner; read by scoring (the restores: purpose "restore") and the HTML report.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "timeline/record_codec.h"

namespace firedrill {

inline constexpr std::string_view kActionSource = "action";

// An action starts.
struct ActionStart {
  static constexpr std::string_view source = kActionSource, kind = "start";
  int64_t fault = 0;  // the asking fault's index
  std::string node{};
  std::string action{};   // its name in [node.actions]
  std::string purpose{};  // "restore", "while_stopped", ...
  std::vector<std::string> argv{};
  static constexpr auto fields() {
    using R = ActionStart;
    return std::tuple{field("fault", &R::fault), field("node", &R::node), field("action", &R::action),
                      field("purpose", &R::purpose), field("argv", &R::argv)};
  }
};

// An action ended. An action that could not be started (unknown, its command not rendered) has
// only fault..succeeded, error and duration_ns 0; one that ran has every field. `output` is the
// last line it printed, parsed as JSON (null when that line is not JSON).
struct ActionEnd {
  static constexpr std::string_view source = kActionSource, kind = "end";
  int64_t fault = 0;
  std::string node{};
  std::string action{};
  std::string purpose{};
  bool succeeded = false;
  std::optional<int64_t> exit_code{};
  std::optional<int64_t> signal{};
  std::optional<bool> timed_out{};
  std::string error{};
  int64_t duration_ns = 0;
  std::optional<int64_t> started_ns{};  // readers fall back to t_ns − duration_ns
  std::optional<boost::json::value> output{};
  std::optional<std::string> stdout_path{};  // "logs/<node>.<action>.out"
  static constexpr auto fields() {
    using R = ActionEnd;
    return std::tuple{field("fault", &R::fault),
                      field("node", &R::node),
                      field("action", &R::action),
                      field("purpose", &R::purpose),
                      field("succeeded", &R::succeeded),
                      field("exit_code", &R::exit_code),
                      field("signal", &R::signal),
                      field("timed_out", &R::timed_out),
                      field("error", &R::error),
                      field("duration_ns", &R::duration_ns),
                      field("started_ns", &R::started_ns),
                      field("output", &R::output),
                      field("stdout", &R::stdout_path)};
  }
};

}  // namespace firedrill
