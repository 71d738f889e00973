// report.html: the page an SRE puts on the shared screen after a game day (DESIGN.md §6). It is
// one self-contained file — inline CSS, inline SVG, a few lines of inline JavaScript, no network
// (a Content-Security-Policy forbids every fetch) — written from the scored report, the timeline
// and run.json only, so `firedrill score RUN_DIR` can rewrite it offline. Top to bottom: the
// verdict and every failing condition; scenario, seed and digest; an SVG timeline of payments/s,
// errors and latency p50 / p99 with each fault window shaded and T0 / T_detect / T_recover marked;
// per-fault measurements; objectives vs measured; reconciliation with every lost and duplicated
// id; invariants; availability; per-node events; a footer naming the tool.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace firedrill {

// The chart never has more columns than this: buckets are 1 s wide, wider on long runs.
constexpr std::size_t kHtmlBucketsMax = 600;
// Rows of the event table; the rest are counted, not listed (the timeline has them all).
constexpr std::size_t kHtmlEventsMax = 2000;

// The tool named in the footer when `report` carries no `tool_version`.
constexpr const char* kHtmlToolVersion = "0.1.0";

// Renders report.html. `report` is report.json (schema firedrill.report/v1), `timeline` the
// records of timeline.jsonl in order, `run` is run.json. Pure and total: missing or mistyped keys
// are shown as "—", never an exception; every piece of text from the inputs is HTML-escaped.
// The page marks its own rendering for tests: on load, <body data-check="..."> summarises what
// the SVG holds (svg, windows, t0, detect, recover, width).
// `workload` holds the workload's completions when `timeline` does not (scoring keeps them
// compact): charted as the timeline's workload records are.
struct HtmlCompletion {
  enum Outcome : uint8_t { ok, fail, unknown };
  int64_t t_ns = -1;        // < 0: no time
  int64_t latency_ns = 0;
  Outcome outcome = ok;
  bool has_latency = false;
};
std::string html_report(const boost::json::object& report,
                        const std::vector<boost::json::object>& timeline,
                        const boost::json::object& run,
                        const std::vector<HtmlCompletion>& workload = {});

}  // namespace firedrill
