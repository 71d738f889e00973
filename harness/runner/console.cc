// The console lines of a drill; see console.h.
#include "runner/console.h"

#include <unistd.h>

#include <cstdio>

#include "timeline/timeline.h"

namespace firedrill {

Console::Console(const Timeline& timeline, bool progress)
    : timeline_(timeline), progress_(progress), tty_(isatty(STDOUT_FILENO) != 0) {}

void Console::say(const std::string& line) {
  const bool important = line.rfind("error", 0) == 0 || line.rfind("inconclusive", 0) == 0;
  if (!progress_ && !important) return;
  std::printf("%s[%8s] %s\n", tty_ ? "\r\x1b[2K" : "", format_offset(timeline_.now_ns()).c_str(), line.c_str());
  if (tty_ && !status_line_.empty()) std::printf("%s", status_line_.c_str());
  std::fflush(stdout);
}

void Console::show_status(const std::string& line) {
  if (!progress_) return;
  if (!tty_) return say(line);
  status_line_ = "[" + format_offset(timeline_.now_ns()) + "] " + line;
  std::printf("\r\x1b[2K%s", status_line_.c_str());
  std::fflush(stdout);
}

void Console::end_status_line() {
  if (tty_ && !status_line_.empty()) std::printf("\n");
  status_line_.clear();
}

}  // namespace firedrill
