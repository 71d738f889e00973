// The timeline chart of report.html: payments/s and errors/s, p50 and p99 latency, the drill's
// phases, each fault's window with its T0, detection and recovery marks, as one inline SVG drawn
// from report.json, the chart series (harness/scoring/chart_series.h) and the report events. A
// pure function of its inputs, so that a page drawing the drill live can draw it the same way.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

namespace firedrill {

// How a drill still running is drawn (the live page); a finished one needs none.
struct LiveChart {
  double now_s = 0;    // the drill's time now: a window not yet reverted ends here, "in effect"
  double axis_end_s = 0;  // the planned end of the drill, so the lines grow across a fixed axis
};

// Appends the chart's <section> (the <svg id="timeline"> and its caption) to `out`.
void write_timeline_chart(std::string& out, const boost::json::object& report, const boost::json::object& chart,
                          const boost::json::object& events, const std::optional<LiveChart>& live = std::nullopt);

}  // namespace firedrill
