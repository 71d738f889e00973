// Diagnostics text; see diagnostics.h.
#include "scenario/diagnostics.h"

namespace firedrill {

std::string Diagnostic::text() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

std::string Diagnostics::text() const {
  std::string out;
  for (const auto& d : list_) out += d.text() + "\n";
  return out;
}

}  // namespace firedrill
