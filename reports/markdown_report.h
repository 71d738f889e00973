// report.md: a drill's result short enough for a pull-request comment (DESIGN.md §6). The verdict
// comes first as an emoji-free marker (**PASS**, **SAFETY FAILURE**, ...), then the scenario, seed
// and a short digest, every failing condition, a table per fault (T0, detection and by what,
// recovery, outage, against the objectives), the reconciliation headline, the invariants,
// availability, the objectives, and the ids of lost / duplicated / failed-but-applied /
// unexpected / corrupted payments (the first 20 of each). GitHub-flavoured Markdown; every value
// taken from the report is escaped, so a scenario or node name cannot inject markup or HTML.
// Written by `firedrill run` / `firedrill score` beside report.json; checked against golden files
// in tests/reports/.
#pragma once

#include <boost/json/object.hpp>
#include <string>

namespace firedrill {

// report.md for a report.json (schema firedrill.report/v1). A pure function: the same report
// gives the same bytes, with no clock, locale or environment read. Never throws on a report of
// another shape (missing sections print as "not measured"); a report without a verdict reads as
// an unknown verdict, never as a pass.
std::string markdown_report(const boost::json::object& report);

}  // namespace firedrill
