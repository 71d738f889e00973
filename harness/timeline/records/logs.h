// Log lines of the nodes that matched a detection pattern (source "logs"). Written by the
// runner's log watcher; read by scoring (T_detect) and the HTML report.
#pragma once

#include <string>
#include <string_view>
#include <tuple>

#include "timeline/record_codec.h"

namespace firedrill {

inline constexpr std::string_view kLogsSource = "logs";

// A line of a node's stdout or stderr matched `pattern` ([detection] log_patterns).
struct LogMatch {
  static constexpr std::string_view source = kLogsSource, kind = "log_match";
  std::string node{};
  std::string pattern{};
  std::string line{};  // at most the watcher's line limit
  static constexpr auto fields() {
    using R = LogMatch;
    return std::tuple{field("node", &R::node), field("pattern", &R::pattern), field("line", &R::line)};
  }
};

}  // namespace firedrill
