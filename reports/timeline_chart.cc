// The timeline chart; see timeline_chart.h.
#include "reports/timeline_chart.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "reports/html_text.h"
#include "reports/report_values.h"

namespace json = boost::json;

namespace firedrill {
namespace {

constexpr double kNsPerS = 1e9;
constexpr int64_t kBucketNsMin = 1'000'000'000;  // without a series: one bucket of 1 s

namespace rv = report_values;
using html::duration_text;
using html::escape;
using html::fixed;

// ---- the timeline chart --------------------------------------------------------------------

struct Bucket {
  int64_t ok = 0;
  int64_t errors = 0;  // fail + unknown
  std::optional<double> p50_ms, p99_ms;  // of ok payments
  std::optional<bool> steady;            // at the bucket's end, as scoring judges it
};

struct Series {
  int64_t bucket_ns = kBucketNsMin;
  std::vector<Bucket> buckets;
};

// The chart's series as scoring computed it (harness/scoring/chart_series.h); without one (a page
// rendered from report.json alone), a single empty bucket.
Series series_of(const json::object& chart) {
  Series s;
  s.bucket_ns = std::max<int64_t>(rv::integer(chart, "bucket_ns", kBucketNsMin), 1);
  for (const auto& v : rv::array(chart, "buckets")) {
    if (!v.is_object()) continue;
    const json::object& b = v.as_object();
    s.buckets.push_back(Bucket{rv::integer(b, "ok"), rv::integer(b, "errors"), rv::number(b, "p50_ms"),
                               rv::number(b, "p99_ms"), rv::flag(b, "steady")});
  }
  if (s.buckets.empty()) s.buckets.resize(1);
  return s;
}

// 1, 2 or 5 × 10^k: the smallest such step that gives at most `ticks_max` intervals.
double nice_step(double range, int ticks_max) {
  double raw = range / ticks_max;
  double magnitude = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

// Chart geometry, in SVG user units (the SVG scales to the page width).
struct Frame {
  double width = 1000, left = 64, right = 940;   // plot area x
  double rate_top = 84, rate_bottom = 304;       // payments/s and errors/s
  double latency_top = 326, latency_bottom = 456;  // latency p50 / p99
  double height = 530;
  double end_s = 1;
  double x(double t_s) const { return left + std::clamp(t_s / end_s, 0.0, 1.0) * (right - left); }
};

std::string f1(double v) { return fixed(v, 1); }

// A step line through per-bucket values; a bucket without a value breaks the line.
std::string step_path(const Series& s, const Frame& f, const std::function<std::optional<double>(const Bucket&)>& y) {
  std::string d;
  bool drawing = false;
  double bucket_s = static_cast<double>(s.bucket_ns) / kNsPerS;
  for (std::size_t i = 0; i < s.buckets.size(); ++i) {
    auto v = y(s.buckets[i]);
    if (!v) {
      drawing = false;
      continue;
    }
    double x0 = f.x(static_cast<double>(i) * bucket_s), x1 = f.x(static_cast<double>(i + 1) * bucket_s);
    d += (drawing ? "L" : "M") + f1(x0) + " " + f1(*v) + "L" + f1(x1) + " " + f1(*v);
    drawing = true;
  }
  return d;
}

void write_x_axis(std::string& out, const Frame& f) {
  double step = nice_step(f.end_s, 12);
  out += "<g class=\"axis x\">\n";
  for (double t = 0; t <= f.end_s + 1e-9; t += step) {
    double x = f.x(t);
    out += "<g class=\"grid\"><line x1=\"" + f1(x) + "\" y1=\"" + f1(f.rate_top) + "\" x2=\"" + f1(x) + "\" y2=\"" +
           f1(f.rate_bottom) + "\"/><line x1=\"" + f1(x) + "\" y1=\"" + f1(f.latency_top) + "\" x2=\"" + f1(x) +
           "\" y2=\"" + f1(f.latency_bottom) + "\"/></g>";
    out += "<line x1=\"" + f1(x) + "\" y1=\"" + f1(f.latency_bottom) + "\" x2=\"" + f1(x) + "\" y2=\"" +
           f1(f.latency_bottom + 5) + "\"/><text x=\"" + f1(x) + "\" y=\"" + f1(f.latency_bottom + 18) +
           "\" text-anchor=\"middle\">" + (step < 1 ? fixed(t, 1) : fixed(t, 0)) + "</text>\n";
  }
  out += "<text class=\"axis-title\" x=\"" + f1((f.left + f.right) / 2) + "\" y=\"" + f1(f.latency_bottom + 36) +
         "\" text-anchor=\"middle\">seconds since the drill started</text>\n";
  out += "</g>\n";
}

// A y axis with labelled ticks; `to_y` maps a value to a y coordinate.
void write_y_axis(std::string& out, const Frame& f, double top, double bottom, const std::vector<double>& ticks,
                  const std::function<double(double)>& to_y, const std::string& title, const std::string& cls) {
  out += "<g class=\"axis y " + cls + "\">\n";
  out += "<line x1=\"" + f1(f.left) + "\" y1=\"" + f1(top) + "\" x2=\"" + f1(f.left) + "\" y2=\"" + f1(bottom) + "\"/>";
  out += "<line x1=\"" + f1(f.left) + "\" y1=\"" + f1(bottom) + "\" x2=\"" + f1(f.right) + "\" y2=\"" + f1(bottom) + "\"/>\n";
  for (double v : ticks) {
    double y = to_y(v);
    std::string label = v >= 1 || v == 0 ? fixed(v, 0) : fixed(v, v >= 0.1 ? 1 : 2);
    out += "<g class=\"grid\"><line x1=\"" + f1(f.left) + "\" y1=\"" + f1(y) + "\" x2=\"" + f1(f.right) + "\" y2=\"" +
           f1(y) + "\"/></g><line x1=\"" + f1(f.left - 5) + "\" y1=\"" + f1(y) + "\" x2=\"" + f1(f.left) + "\" y2=\"" +
           f1(y) + "\"/><text x=\"" + f1(f.left - 8) + "\" y=\"" + f1(y + 4) + "\" text-anchor=\"end\">" + label +
           "</text>\n";
  }
  double mid = (top + bottom) / 2;
  out += "<text class=\"axis-title\" transform=\"translate(16 " + f1(mid) + ") rotate(-90)\" text-anchor=\"middle\">" +
         escape(title) + "</text>\n</g>\n";
}

void write_rate_panel(std::string& out, const Series& s, const Frame& f) {
  double bucket_s = static_cast<double>(s.bucket_ns) / kNsPerS;
  double peak = 1;
  for (const auto& b : s.buckets) peak = std::max({peak, b.ok / bucket_s, b.errors / bucket_s});
  double step = nice_step(peak, 5);
  double top_value = std::ceil(peak / step) * step;
  auto to_y = [&](double v) { return f.rate_bottom - v / top_value * (f.rate_bottom - f.rate_top); };
  std::vector<double> ticks;
  for (double v = 0; v <= top_value + 1e-9; v += step) ticks.push_back(v);
  write_y_axis(out, f, f.rate_top, f.rate_bottom, ticks, to_y, "per second", "rate");
  // Errors as a filled step area from the baseline, so a burst of failures reads as a block.
  std::string area = "M" + f1(f.left) + " " + f1(f.rate_bottom);
  for (std::size_t i = 0; i < s.buckets.size(); ++i) {
    double y = to_y(s.buckets[i].errors / bucket_s);
    area += "L" + f1(f.x(static_cast<double>(i) * bucket_s)) + " " + f1(y) + "L" +
            f1(f.x(static_cast<double>(i + 1) * bucket_s)) + " " + f1(y);
  }
  // Closed at the last bucket's end: the axis's end, or "now" on the live page.
  area += "L" + f1(f.x(static_cast<double>(s.buckets.size()) * bucket_s)) + " " + f1(f.rate_bottom) + "Z";
  out += "<path class=\"series errors\" d=\"" + area + "\"/>\n";
  out += "<path class=\"series ok\" d=\"" +
         step_path(s, f, [&](const Bucket& b) { return std::optional<double>(to_y(b.ok / bucket_s)); }) + "\"/>\n";
}

void write_latency_panel(std::string& out, const Series& s, const Frame& f) {
  double low = std::numeric_limits<double>::infinity(), high = 0;
  for (const auto& b : s.buckets) {
    if (!b.p50_ms || !b.p99_ms) continue;
    low = std::min(low, std::max(*b.p50_ms, 0.01));
    high = std::max(high, *b.p99_ms);
  }
  if (high == 0) {  // no successful payment at all
    write_y_axis(out, f, f.latency_top, f.latency_bottom, {}, [](double) { return 0.0; }, "latency ms", "latency");
    out += "<text x=\"" + f1((f.left + f.right) / 2) + "\" y=\"" + f1((f.latency_top + f.latency_bottom) / 2) +
           "\" text-anchor=\"middle\" class=\"muted\">no successful payments</text>\n";
    return;
  }
  // Log scale: a failover's 1 s timeouts and a healthy 2 ms p50 belong on one readable chart.
  double lo_exp = std::floor(std::log10(low)), hi_exp = std::ceil(std::log10(std::max(high, 0.01)));
  if (hi_exp <= lo_exp) hi_exp = lo_exp + 1;
  auto to_y = [&](double v) {
    double e = std::log10(std::max(v, std::pow(10, lo_exp)));
    return f.latency_bottom - (e - lo_exp) / (hi_exp - lo_exp) * (f.latency_bottom - f.latency_top);
  };
  std::vector<double> ticks;
  for (double e = lo_exp; e <= hi_exp; ++e) ticks.push_back(std::pow(10, e));
  write_y_axis(out, f, f.latency_top, f.latency_bottom, ticks, to_y, "latency ms (log)", "latency");
  auto at = [&](std::optional<double> Bucket::*member) {
    return [&, member](const Bucket& b) { return b.*member ? std::optional<double>(to_y(*(b.*member))) : std::nullopt; };
  };
  out += "<path class=\"series p50\" d=\"" + step_path(s, f, at(&Bucket::p50_ms)) + "\"/>\n";
  out += "<path class=\"series p99\" d=\"" + step_path(s, f, at(&Bucket::p99_ms)) + "\"/>\n";
}

// The drill's phases (baseline, faults, heal, convergence, ...) as a strip above the chart.
void write_phases(std::string& out, const json::object& events, const Frame& f) {
  std::vector<std::pair<double, std::string>> phases;
  for (const auto& v : rv::array(events, "phases")) {
    if (!v.is_object()) continue;
    phases.emplace_back(static_cast<double>(rv::t_ns(v.as_object()).value_or(0)) / kNsPerS, rv::text(v.as_object(), "phase"));
  }
  out += "<g class=\"phases\">\n";
  for (std::size_t i = 0; i < phases.size(); ++i) {
    double x0 = f.x(phases[i].first);
    double x1 = i + 1 < phases.size() ? f.x(phases[i + 1].first) : f.right;
    out += "<g class=\"phase\"><rect x=\"" + f1(x0) + "\" y=\"4\" width=\"" + f1(std::max(x1 - x0 - 1, 0.0)) +
           "\" height=\"16\"><title>phase " + escape(phases[i].second) + " from " +
           fixed(phases[i].first, 3) + " s</title></rect>";
    // A label only where it fits; the title still names the phase on hover.
    if (x1 - x0 >= 7.0 * static_cast<double>(phases[i].second.size()) + 6) {
      out += "<text x=\"" + f1(x0 + 4) + "\" y=\"16\">" + escape(phases[i].second) + "</text>";
    }
    out += "</g>\n";
  }
  out += "</g>\n";
}

struct FaultMarks {
  std::string name;  // "fault[0] process.kill ledger-1"
  std::string suffix;  // "" with one fault, " [0]" with several
  std::optional<double> t0_s, end_s, detect_s, recover_s;
  bool open = false;  // not reverted: the window runs to the end (of the drill, or to now when live)
};

std::vector<FaultMarks> fault_marks(const json::object& report, double end_s) {
  std::vector<FaultMarks> marks;
  const json::array& faults = rv::array(report, "faults");
  for (const auto& v : faults) {
    if (!v.is_object()) continue;
    const json::object& fault = v.as_object();
    FaultMarks m;
    const json::value* index_value = fault.if_contains("index");
    std::string index = index_value && !index_value->is_null() ? rv::scalar(*index_value, 3) : html::kNone;
    m.name = "fault[" + index + "] " + rv::text(fault, "kind") + " " + rv::text(fault, "node");
    if (faults.size() > 1) m.suffix = " [" + index + "]";
    auto t0 = rv::number(fault, "t0_ms");
    if (!t0) {
      marks.push_back(m);
      continue;
    }
    m.t0_s = *t0 / 1000;
    auto reverted = rv::number(fault, "reverted_ms");
    m.open = !reverted;
    m.end_s = reverted ? *reverted / 1000 : end_s;
    if (auto d = rv::number(fault, "detection_ms")) m.detect_s = *m.t0_s + *d / 1000;
    if (auto r = rv::number(fault, "recovery_ms")) m.recover_s = *m.t0_s + *r / 1000;
    marks.push_back(m);
  }
  return marks;
}

void write_marker(std::string& out, const Frame& f, const std::string& cls, double t_s, int row_index,
                  const std::string& label, const std::string& title) {
  double x = f.x(t_s);
  double y_label = 34 + 15.0 * row_index;
  // Labels near the right edge run leftwards so they stay inside the picture.
  const char* anchor = x > f.right - 120 ? "end" : "start";
  double x_label = x > f.right - 120 ? x - 4 : x + 4;
  out += "<g class=\"marker " + cls + "\"><title>" + escape(title) + "</title><line x1=\"" + f1(x) + "\" y1=\"" +
         f1(y_label - 10) + "\" x2=\"" + f1(x) + "\" y2=\"" + f1(f.latency_bottom) + "\"/><text x=\"" + f1(x_label) +
         "\" y=\"" + f1(y_label) + "\" text-anchor=\"" + anchor + "\">" + escape(label) + "</text></g>\n";
}

void write_faults_on_chart(std::string& out, const std::vector<FaultMarks>& marks, const Frame& f, bool live) {
  const std::string open_text = live ? " (in effect)" : " (never reverted)";
  for (const auto& m : marks) {
    if (!m.t0_s) continue;
    double x0 = f.x(*m.t0_s), x1 = f.x(*m.end_s);
    out += "<rect class=\"fault-window\" x=\"" + f1(x0) + "\" y=\"" + f1(f.rate_top) + "\" width=\"" +
           f1(std::max(x1 - x0, 1.0)) + "\" height=\"" + f1(f.latency_bottom - f.rate_top) + "\"><title>" +
           escape(m.name + ": " + fixed(*m.t0_s, 3) + " s to " + fixed(*m.end_s, 3) + " s" +
                  (m.open ? open_text : "")) +
           "</title></rect>\n";
    if (x1 - x0 >= 60) {
      out += "<text class=\"fault-label\" x=\"" + f1(x0 + 4) + "\" y=\"" + f1(f.rate_top + 14) + "\">" +
             escape(m.name + (m.open ? open_text : "")) + "</text>\n";
    }
  }
  for (const auto& m : marks) {
    if (!m.t0_s) continue;
    write_marker(out, f, "t0", *m.t0_s, 0, "T0" + m.suffix, m.name + ": T0 at " + fixed(*m.t0_s, 3) + " s");
    if (m.detect_s) {
      std::string after = duration_text((*m.detect_s - *m.t0_s) * 1000);
      write_marker(out, f, "detect", *m.detect_s, 1, "T_detect" + m.suffix + " +" + after,
                   m.name + ": detected " + after + " after T0");
    }
    if (m.recover_s) {
      std::string after = duration_text((*m.recover_s - *m.t0_s) * 1000);
      write_marker(out, f, "recover", *m.recover_s, 2, "T_recover" + m.suffix + " +" + after,
                   m.name + ": recovered " + after + " after T0");
    }
  }
}

// Invisible per-bucket columns whose tooltip gives the exact numbers behind the lines.
void write_bucket_tooltips(std::string& out, const Series& s, const Frame& f) {
  double bucket_s = static_cast<double>(s.bucket_ns) / kNsPerS;
  out += "<g class=\"buckets\">\n";
  for (std::size_t i = 0; i < s.buckets.size(); ++i) {
    const Bucket& b = s.buckets[i];
    double x0 = f.x(static_cast<double>(i) * bucket_s), x1 = f.x(static_cast<double>(i + 1) * bucket_s);
    std::string tip = fixed(static_cast<double>(i) * bucket_s, 0) + "–" + fixed(static_cast<double>(i + 1) * bucket_s, 0) +
                      " s: " + std::to_string(b.ok) + " ok, " + std::to_string(b.errors) + " errors";
    if (b.p50_ms && b.p99_ms) tip += ", p50 " + fixed(*b.p50_ms, 2) + " ms, p99 " + fixed(*b.p99_ms, 2) + " ms";
    if (b.steady) tip += *b.steady ? ", steady" : ", not steady";
    out += "<rect class=\"bucket\" x=\"" + f1(x0) + "\" y=\"" + f1(f.rate_top) + "\" width=\"" + f1(x1 - x0) +
           "\" height=\"" + f1(f.latency_bottom - f.rate_top) + "\"><title>" + tip + "</title></rect>\n";
  }
  out += "</g>\n";
}

// Swatches carry their own inline style so the legend never counts as a series or a marker.
void write_legend(std::string& out, const Frame& f) {
  struct Item { const char* shape; const char* style; const char* label; };
  const Item items[] = {
      {"line", "stroke:#1f6fb2;stroke-width:3", "payments/s (ok)"},
      {"box", "fill:#d1462f;fill-opacity:.55;stroke:#d1462f", "errors/s (fail + unknown)"},
      {"line", "stroke:#4a5568;stroke-width:2", "latency p50"},
      {"line", "stroke:#7b3fa0;stroke-width:3", "latency p99"},
      {"box", "fill:#f0a030;fill-opacity:.18;stroke:#f0a030", "fault window"},
      {"tick", "stroke:#1a202c;stroke-width:2", "T0"},
      {"tick", "stroke:#b7791f;stroke-width:2;stroke-dasharray:4 2", "T_detect"},
      {"tick", "stroke:#1d7a46;stroke-width:2;stroke-dasharray:2 2", "T_recover"}};
  double x = f.left, y = f.height - 16;
  out += "<g class=\"legend\">\n";
  for (const auto& item : items) {
    std::string shape = item.shape;
    std::string style = std::string(" style=\"") + item.style + "\"";
    if (shape == "line") {
      out += "<path d=\"M" + f1(x) + " " + f1(y - 1) + "h18\"" + style + "/>";
    } else if (shape == "box") {
      out += "<rect x=\"" + f1(x) + "\" y=\"" + f1(y - 7) + "\" width=\"18\" height=\"12\"" + style + "/>";
    } else {
      out += "<path d=\"M" + f1(x + 9) + " " + f1(y - 8) + "v14\"" + style + "/>";
    }
    out += "<text x=\"" + f1(x + 24) + "\" y=\"" + f1(y + 3) + "\">" + item.label + "</text>\n";
    x += 36 + 6.6 * static_cast<double>(std::string_view(item.label).size());
  }
  out += "</g>\n";
}

}  // namespace

void write_timeline_chart(std::string& out, const json::object& report, const json::object& chart,
                          const json::object& events, const std::optional<LiveChart>& live) {
  const Series s = series_of(chart);
  Frame f;
  // The axis ends on a bucket boundary so that every bucket, the last one too, is a whole second
  // (or whole bucket) and its rate is a true count per second.
  f.end_s = static_cast<double>(s.buckets.size()) * static_cast<double>(s.bucket_ns) / kNsPerS;
  if (live) f.end_s = std::max(f.end_s, live->axis_end_s);
  std::vector<FaultMarks> marks = fault_marks(report, live ? std::min(live->now_s, f.end_s) : f.end_s);
  out += "<section id=\"timeline-section\"><h2>Timeline</h2>\n<figure>\n";
  out += "<svg id=\"timeline\" viewBox=\"0 0 " + f1(f.width) + " " + f1(f.height) +
         "\" role=\"img\" aria-label=\"payments, errors and latency over the drill, with fault windows\">\n";
  write_phases(out, events, f);
  write_x_axis(out, f);
  write_faults_on_chart(out, marks, f, live.has_value());
  write_rate_panel(out, s, f);
  write_latency_panel(out, s, f);
  write_bucket_tooltips(out, s, f);
  write_legend(out, f);
  out += "</svg>\n<figcaption>Payments are counted in " + fixed(static_cast<double>(s.bucket_ns) / kNsPerS, 0) +
         " s buckets by completion time; latency is of successful payments. Shaded: each fault from T0 (effect "
         "verified) to its verified revert. Hover a column for its numbers.</figcaption>\n</figure></section>\n";
}

}  // namespace firedrill
