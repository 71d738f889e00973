// report.html: the page an SRE puts on the shared screen after a game day (DESIGN.md §6). It is
// one self-contained file — inline CSS, inline SVG, a few lines of inline JavaScript, no network
// (a Content-Security-Policy forbids every fetch) — written from scored data only (the report,
// the chart's series and the drill's events as scoring gives them, run.json), so
// `firedrill score RUN_DIR` can rewrite it offline. Top to bottom: the
// verdict and every failing condition; scenario, seed and digest; an SVG timeline of payments/s,
// errors and latency p50 / p99 with each fault window shaded and T0 / T_detect / T_recover marked;
// per-fault measurements; objectives vs measured; reconciliation with every lost and duplicated
// id; invariants; availability; per-node events; a footer naming the tool.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

namespace firedrill {

// Rows of the event table; the rest are counted, not listed (the timeline has them all).
constexpr std::size_t kHtmlEventsMax = 2000;

// The tool named in the footer when `report` carries no `tool_version`.
constexpr const char* kHtmlToolVersion = "0.1.0";

// Renders report.html. `report` is report.json (schema firedrill.report/v1), `run` is run.json. Pure and total: missing or mistyped keys
// are shown as "—", never an exception; every piece of text from the inputs is HTML-escaped.
// The page marks its own rendering for tests: on load, <body data-check="..."> summarises what
// the SVG holds (svg, windows, t0, detect, recover, width).
// `chart` is the chart's series as scoring computes it (harness/scoring/chart_series.h:
// {"bucket_ns", "buckets": [{"ok", "errors", "p50_ms", "p99_ms", "steady"}]}), so that the page
// shows the percentiles and the steady state exactly as scoring judges them; without it the chart is
// empty. `events` is the timeline as scoring describes it (harness/scoring/report_events.h: the
// start, what the lab preloaded, the phases and the events table); without it those are empty.
std::string html_report(const boost::json::object& report,
                        const boost::json::object& run,
                        const boost::json::object& chart = {},
                        const boost::json::object& events = {});

// The parts the live page (harness/live/) shares, so that it looks as the report does: the
// report's style sheet (the chart's included), and the verdict banner with every failing
// condition.
const char* html_report_style();
void write_verdict_banner(std::string& out, const boost::json::object& report);

}  // namespace firedrill
