// Log pattern detection; see log_watcher.h.
#include "runner/log_watcher.h"

#include <fstream>

#include "core/limits.h"
#include "timeline/timeline.h"

namespace firedrill {

LogWatcher::LogWatcher(const std::vector<LogPattern>& patterns,
                       const std::function<std::vector<std::string>(const std::string&)>& log_paths_of) {
  for (const LogPattern& p : patterns) {
    for (const std::string& path : log_paths_of(p.node)) {
      followed_.push_back(Followed{p.node, path, p.pattern, std::regex(p.pattern), 0, {}});
    }
  }
}

int LogWatcher::poll(Timeline& timeline) {
  int matches = 0;
  for (Followed& f : followed_) {
    std::ifstream in(f.path, std::ios::binary);
    if (!in) continue;
    in.seekg(0, std::ios::end);
    int64_t size = in.tellg();
    if (size <= f.offset) continue;
    int64_t length = std::min(size - f.offset, kLogReadPerPollMaxBytes);
    std::string chunk(static_cast<std::size_t>(length), '\0');
    in.seekg(f.offset);
    in.read(chunk.data(), length);
    f.offset += length;
    std::string text = f.partial + chunk;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
      std::string line = text.substr(start, std::min(end - start, kLogLineMaxBytes));
      if (std::regex_search(line, f.pattern)) {
        timeline.write(LogMatch{.node = f.node, .pattern = f.pattern_text, .line = line});
        ++matches;
      }
    }
    f.partial = text.substr(start, kLogLineMaxBytes);
  }
  return matches;
}

}  // namespace firedrill
