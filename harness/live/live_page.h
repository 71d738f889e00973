// The live page itself: one HTML document and its script, served by the live server
// (live_server.h). Everything it shows comes from GET /events; the only thing it can change is
// the drill's stop, through POST /stop with the token from the terminal. No external assets: the
// style is the report's own (reports/html_report.h) and the chart arrives as the report's SVG.
#pragma once

#include <string>

namespace firedrill {

// The HTML of the page for the drill `drill_name`.
std::string live_page_html(const std::string& drill_name);

// The page's script (served as /live.js: the page's Content-Security-Policy allows scripts
// from the page's own origin only).
const char* live_page_script();

}  // namespace firedrill
