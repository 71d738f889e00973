// Errors found in a scenario or system definition file, each naming file:line:column and the
// key, e.g. `scenarios/kill.toml:14:3: fault[0].at: expected a duration like "30s"`.
// A loader collects all of them so that a user fixes a file in one pass.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace firedrill {

struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string key;  // dotted path: "drill.duration", "fault[1].target"
  std::string message;

  // "file:line:column: key: message"
  std::string text() const;
};

class Diagnostics {
 public:
  void add(Diagnostic diagnostic) { list_.push_back(std::move(diagnostic)); }
  bool empty() const { return list_.empty(); }
  // Orders them as they appear in their files.
  void sort();
  const std::vector<Diagnostic>& list() const { return list_; }
  // Every diagnostic, one per line.
  std::string text() const;

 private:
  std::vector<Diagnostic> list_;
};

}  // namespace firedrill
