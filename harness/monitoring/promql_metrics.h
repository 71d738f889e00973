// The metric names a PromQL expression reads: what a rule needs the nodes to expose. A lexer,
// not a parser: strings, label matchers, ranges and numbers are skipped, identifiers followed by
// "(" are functions or aggregations, the label lists after by / without / on / ignoring /
// group_left / group_right are skipped, keywords are not names; {__name__="x"} names x. Enough
// for any valid expression (promtool has accepted it before a drill reads it).
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace firedrill {

std::set<std::string> metric_names_in(std::string_view expr);

// Series Prometheus writes itself (up, scrape_*, ALERTS, ALERTS_FOR_STATE): never "missing".
bool prometheus_own_metric(const std::string& name);

}  // namespace firedrill
