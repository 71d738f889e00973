// Text for report.html; see html_text.h.
#include "reports/html_text.h"

#include <cmath>
#include <cstdio>

namespace firedrill::html {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string fixed(double v, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

std::string duration_text(std::optional<double> ms) {
  if (!ms) return kNone;
  if (std::fabs(*ms) < 1000) return fixed(*ms, 1) + " ms";
  return fixed(*ms / 1000, 2) + " s";
}

}  // namespace firedrill::html
