// Detection by log pattern, for systems with no Alertmanager webhook: follows the nodes' log
// files in the run directory and records a LogMatch (node, pattern, line) for each
// new line matching a scenario's [[detection.log]] pattern. Only reads what was appended since
// the last poll, with a bound per poll.
#pragma once

#include <cstdint>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "scenario/scenario.h"

namespace firedrill {

class Timeline;

class LogWatcher {
 public:
  // `log_paths_of(node)` gives the files to follow for a node (stdout and stderr logs).
  LogWatcher(const std::vector<LogPattern>& patterns,
             const std::function<std::vector<std::string>(const std::string&)>& log_paths_of);
  // Reads the new bytes of every followed file and records matches; returns how many matched.
  int poll(Timeline& timeline);

 private:
  struct Followed {
    std::string node;
    std::string path;
    std::string pattern_text;
    std::regex pattern;
    int64_t offset = 0;
    std::string partial;  // an unfinished last line
  };
  std::vector<Followed> followed_;
};

}  // namespace firedrill
