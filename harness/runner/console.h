// What a person watching `firedrill run` sees: one line per event, offset from the start of the
// timeline ("[   12.3s] phase: faults"), and once a second a status line. On a terminal the
// status line stays at the bottom and is redrawn in place; elsewhere (CI logs) it is a plain
// line like the others. With progress off only errors and "inconclusive" lines are printed.
// Logs are for people: nothing parses these lines (STYLE.md habit 7). Not thread-safe.
#pragma once

#include <string>

namespace firedrill {

class Timeline;

class Console {
 public:
  Console(const Timeline& timeline, bool progress);

  // One event line.
  void say(const std::string& line);
  // The status line (redrawn in place on a terminal).
  void show_status(const std::string& line);
  // Ends the status line so that what follows starts on a line of its own.
  void end_status_line();

 private:
  const Timeline& timeline_;
  bool progress_;
  bool tty_;
  std::string status_line_;
};

}  // namespace firedrill
