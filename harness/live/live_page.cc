// The live page; see live_page.h.
#include "live/live_page.h"

#include <string_view>

#include "live/live_assets.h"
#include "reports/html_report.h"
#include "reports/html_text.h"

namespace firedrill {
namespace {

// `text` with every {{key}} replaced by its value.
std::string filled_in(std::string_view text, const std::string& key, const std::string& value) {
  const std::string mark = "{{" + key + "}}";
  std::string out;
  for (auto at = text.find(mark); at != std::string_view::npos; at = text.find(mark)) {
    out.append(text.substr(0, at)).append(value);
    text.remove_prefix(at + mark.size());
  }
  return out.append(text);
}

}  // namespace

std::string live_page_html(const std::string& drill_name) {
  const std::string style = std::string(html_report_style()) + live_assets::kCss;
  return filled_in(filled_in(live_assets::kHtml, "style", style), "drill", html::escape(drill_name));
}

const char* live_page_script() { return live_assets::kJs; }

}  // namespace firedrill
