// The live page itself: one HTML document, its style and its script, written as the files of
// page/ (live.html, live.css, live.js) and built into the program (the page needs nothing from
// anywhere else). Everything it shows comes from GET /events; the only thing it can change is the
// drill's stop, through POST /stop with the token from the terminal. Its style is the report's
// (reports/html_report.h) with its own few rules after it; the chart arrives as the report's SVG.
#pragma once

#include <string>

namespace firedrill {

// The HTML of the page for the drill `drill_name`.
std::string live_page_html(const std::string& drill_name);

// The page's script (served as /live.js: the page's Content-Security-Policy allows scripts
// from the page's own origin only).
const char* live_page_script();

}  // namespace firedrill
