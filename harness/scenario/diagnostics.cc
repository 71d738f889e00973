// Diagnostics text; see diagnostics.h.
#include "scenario/diagnostics.h"

#include <tuple>

namespace firedrill {

std::string Diagnostic::text() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

void Diagnostics::sort() {
  std::stable_sort(list_.begin(), list_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
  });
}

std::string Diagnostics::text() const {
  std::string out;
  for (const auto& d : list_) out += d.text() + "\n";
  return out;
}

}  // namespace firedrill
