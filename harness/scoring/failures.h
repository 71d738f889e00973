// The failing conditions of a drill in report.json's four groups, and the verdict they give: any
// inconclusive condition wins, then an abort, then safety, then missed objectives.
#pragma once

#include <string>
#include <vector>

namespace firedrill {

struct Failures {
  std::vector<std::string> inconclusive, aborted, safety, objectives;
};

inline std::string verdict_of(const Failures& f) {
  if (!f.inconclusive.empty()) return "inconclusive";
  if (!f.aborted.empty()) return "aborted";
  if (!f.safety.empty()) return "safety_failure";
  if (!f.objectives.empty()) return "objectives_missed";
  return "pass";
}

// Appends `more` to `list`.
inline void append(std::vector<std::string>& list, const std::vector<std::string>& more) {
  list.insert(list.end(), more.begin(), more.end());
}

}  // namespace firedrill
