// report.html; see html_report.h. Layout decisions are written next to the code that makes them.
#include "reports/html_report.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string_view>

#include "reports/alert_tables.h"
#include "reports/html_text.h"
#include "reports/power_loss_table.h"
#include "reports/report_values.h"
#include "reports/timeline_chart.h"

namespace json = boost::json;

namespace firedrill {
namespace {

constexpr double kNsPerS = 1e9;

// Reading the inputs never throws; the accessors are shared with report.md and junit.xml.
namespace rv = report_values;

std::optional<double> number_of(const json::value* v) {
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

// ---- text (html_text.h) ------------------------------------------------------------------

using html::duration_text;
using html::escape;
using html::fixed;
using html::kNone;

// An instant in ms since the drill started, shown as seconds: "t+5.441 s".
std::string instant_text(std::optional<double> ms) {
  if (!ms) return kNone;
  return "t+" + fixed(*ms / 1000, 3) + " s";
}

// Any JSON value as plain (unescaped) text, formatted as report.md formats it; "—" for null.
std::string plain(const json::value* v) {
  if (!v || v->is_null()) return kNone;
  return rv::scalar(*v, 3);
}

std::string plain_at(const json::object& o, std::string_view key) { return plain(o.if_contains(key)); }

// A cell that reads "pass" / "FAIL" and is coloured by the stylesheet.
std::string pass_cell(std::optional<bool> pass) {
  if (!pass) return "<td>—</td>";
  return *pass ? "<td class=\"ok\">pass</td>" : "<td class=\"bad\">FAIL</td>";
}

// A table row: a header cell and an already-escaped value cell.
std::string row(std::string_view name, const std::string& value_html) {
  return "<tr><th>" + escape(name) + "</th><td>" + value_html + "</td></tr>\n";
}

// ---- the page's frame ----------------------------------------------------------------------

// Colours are chosen to stay distinguishable on a projector and for red-green colour blindness
// (blue throughput, vermilion errors, orange fault windows, dark markers with dash patterns).
constexpr const char* kStyle = R"css(
:root{--ok:#1f6fb2;--err:#d1462f;--p50:#4a5568;--p99:#7b3fa0;--win:#f0a030;--good:#1d7a46;--warn:#b7791f;--bad:#c0392b;--muted:#5f6b7a}
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif;color:#1a202c;background:#fff;font-size:16px;line-height:1.4}
main{max-width:1240px;margin:0 auto;padding:0 24px 24px}
.verdict{padding:18px 24px;color:#fff}
.verdict .word{font-size:56px;font-weight:800;letter-spacing:.04em;line-height:1.1}
.verdict .sub{font-size:18px;opacity:.95}
.verdict ul{margin:8px 0 0;padding-left:22px;font-size:17px}
.verdict-pass{background:var(--good)}.verdict-objectives_missed{background:var(--warn)}
.verdict-safety_failure{background:var(--bad)}.verdict-inconclusive{background:#4a5568}
.verdict-aborted{background:#6b46c1}.verdict-unknown{background:#2d3748}
h2{font-size:22px;margin:28px 0 8px;border-bottom:2px solid #e2e8f0;padding-bottom:4px}
table{border-collapse:collapse;margin:6px 0;font-size:15px}
th,td{border:1px solid #e2e8f0;padding:4px 10px;text-align:left;vertical-align:top}
thead th{background:#f7fafc}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:var(--good);font-weight:700}.bad,tr.bad td{color:var(--bad);font-weight:700}
.kv th{background:#f7fafc;font-weight:600;width:16em}
.muted{color:var(--muted)}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:14px;word-break:break-all}
details{margin:4px 0}summary{cursor:pointer;font-weight:600}
.ids{max-height:320px;overflow:auto;border:1px solid #e2e8f0;padding:6px;margin:4px 0}
figure{margin:8px 0}figcaption{color:var(--muted);font-size:14px}
svg#timeline{width:100%;height:auto;background:#fff;font-size:12px}
svg .axis line,svg .axis path{stroke:#4a5568}svg .grid line{stroke:#edf2f7}
svg text{fill:#2d3748}svg .axis-title{font-weight:600}
svg .series{fill:none;stroke-width:2}
svg .series.ok{stroke:var(--ok)}svg .series.errors{fill:var(--err);fill-opacity:.55;stroke:var(--err);stroke-width:1}
svg .series.p50{stroke:var(--p50);stroke-width:1.5}svg .series.p99{stroke:var(--p99)}
svg .fault-window{fill:var(--win);fill-opacity:.18;stroke:var(--win);stroke-opacity:.6}
svg .fault-label,svg .marker text{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
svg .fault-label{fill:#8a5a00;font-weight:600}
svg .marker line{stroke-width:2}svg .marker.t0 line{stroke:#1a202c}
svg .marker.detect line{stroke:#b7791f;stroke-dasharray:6 3}svg .marker.recover line{stroke:var(--good);stroke-dasharray:2 3}
svg .marker.t0 text{fill:#1a202c;font-weight:700}svg .marker.detect text{fill:#8a5a00;font-weight:700}
svg .marker.recover text{fill:var(--good);font-weight:700}
svg .phase rect{fill:#edf2f7}svg .phase text{fill:var(--muted);font-size:11px}
svg .bucket{fill:transparent}svg .bucket:hover{fill:#000;fill-opacity:.06}
footer{color:var(--muted);font-size:14px;border-top:1px solid #e2e8f0;margin-top:28px;padding-top:8px}
)css";

// Summarises what the browser actually rendered, for tests that load the page headless: counts
// of the SVG's parts, the laid-out width of the timeline (0 when it did not render) and the id of
// the first thing on the page (the verdict).
constexpr const char* kSelfCheck = R"js(
(function(){
  var svg=document.getElementById('timeline');
  function n(sel){return svg?svg.querySelectorAll(sel).length:0;}
  var width=svg?Math.round(svg.getBBox().width):0;
  var first=document.body.firstElementChild;
  document.body.setAttribute('data-check','first='+(first?first.id:'')+';svg='+(svg?1:0)+';windows='+n('.fault-window')+
    ';t0='+n('.marker.t0')+';detect='+n('.marker.detect')+';recover='+n('.marker.recover')+
    ';series='+n('.series')+';width='+width);
})();
)js";

// ---- verdict, scenario ---------------------------------------------------------------------

void write_verdict(std::string& out, const json::object& report) {
  std::string verdict = rv::text(report, "verdict");
  // The class name is chosen from the known verdicts only, never copied from the input.
  bool known = verdict == "pass" || verdict == "objectives_missed" || verdict == "safety_failure" ||
               verdict == "inconclusive" || verdict == "aborted";
  std::string cls = known ? verdict : "unknown";
  std::string word = rv::verdict_marker(verdict);
  const json::object& scenario = rv::object(report, "scenario");
  out += "<header id=\"verdict\" class=\"verdict verdict-" + cls + "\">\n";
  out += "<div class=\"word\">" + escape(word) + "</div>\n";
  out += "<div class=\"sub\"><b>" + escape(rv::text(scenario, "name")) + "</b> · exit code " +
         escape(plain_at(report, "exit_code")) + " · seed " + escape(plain_at(report, "seed")) + "</div>\n";
  std::string description = rv::text(scenario, "description");
  if (!description.empty()) out += "<div class=\"sub\">" + escape(description) + "</div>\n";
  std::string items;
  const json::object& failures = rv::object(report, "failures");
  for (const char* group : {"inconclusive", "aborted", "safety", "objectives"}) {
    for (const auto& f : rv::array(failures, group)) {
      items += "<li>" + escape(group) + ": " + escape(plain(&f)) + "</li>\n";
    }
  }
  if (!items.empty()) out += "<ul class=\"failures\">\n" + items + "</ul>\n";
  out += "</header>\n";
}

// Which nodes ran with the clock shim and which with no preload (node-setup.json has the whole
// environment); empty for a drill without node_setup records.
std::string lab_additions(const json::object& events) {
  auto list = [&](std::string_view key) {
    std::string out;
    for (const auto& node : rv::array(events, key)) out += (out.empty() ? "" : ", ") + plain(&node);
    return out;
  };
  const std::string shim = list("clock_shim_nodes"), plain_nodes = list("plain_nodes");
  if (shim.empty() && plain_nodes.empty()) return "";
  std::string out = "PATH and HOME, a tmpfs volume and a network namespace per node";
  if (!shim.empty()) out += "; the clock shim preloaded into " + shim + " (a clock fault can reach them)";
  if (!plain_nodes.empty()) out += "; no preload in " + plain_nodes;
  return out + " (node-setup.json)";
}

void write_scenario(std::string& out, const json::object& report, const json::object& run,
                    const json::object& events) {
  const json::object& scenario = rv::object(report, "scenario");
  const json::object& run_scenario = rv::object(run, "scenario");
  std::string description = rv::text(scenario, "description");
  if (description.empty()) description = rv::text(run_scenario, "description");
  std::string utc = rv::text(events, "start_utc");
  out += "<section id=\"scenario\"><h2>Scenario</h2>\n<table class=\"kv\">\n";
  out += row("name", escape(rv::text(scenario, "name")));
  out += row("description", escape(description.empty() ? kNone : description));
  if (run_scenario.contains("system")) out += row("system", escape(plain_at(run_scenario, "system")));
  out += row("seed", "<code>" + escape(plain_at(report, "seed")) + "</code>");
  out += row("scenario digest (SHA-256)", "<code>" + escape(plain_at(scenario, "digest")) + "</code>");
  out += row("started (UTC)", escape(utc.empty() ? kNone : utc));
  out += row("report schema", escape(plain_at(report, "schema")));
  if (std::string lab = lab_additions(events); !lab.empty()) out += row("what the lab added", escape(lab));
  out += "</table></section>\n";
}

// ---- tables --------------------------------------------------------------------------------

// One column per fault, one row per measure: a drill has a handful of faults and a dozen
// measures, and this way the table fits the screen.
// A plain-text table (alert_tables.h), escaped; numbers right-aligned.
void write_text_table(std::string& out, const TextTable& t) {
  out += "<table class=\"alerting\"><thead><tr>";
  for (const auto& cell : t.header) out += "<th>" + escape(cell) + "</th>";
  out += "</tr></thead><tbody>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      const bool right = i < t.right.size() && t.right[i];
      out += std::string(right ? "<td class=\"num\">" : "<td>") + escape(row[i]) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
}

// What each power cut took from each node's volume (the same table as report.md).
void write_power_loss(std::string& out, const json::object& report) {
  auto table = power_loss_table(report);
  if (!table) return;
  out += "<section id=\"power-loss\"><h2>Power loss: what was not durable</h2>\n";
  write_text_table(out, *table);
  out += "</section>\n";
}

// Where each detection's time went, and which alert caught which fault (the same tables as
// report.md).
void write_alerting(std::string& out, const json::object& report) {
  auto stages = detection_stages_table(report);
  auto coverage = alert_coverage_table(report);
  if (!stages && !coverage) return;
  out += "<section id=\"alerting\"><h2>Alerting</h2>\n";
  if (stages) {
    out += "<h3>Detection stages (ms after T0)</h3>\n";
    write_text_table(out, *stages);
  }
  if (coverage) {
    out += "<h3>Alert coverage</h3>\n";
    write_text_table(out, *coverage);
    const std::vector<std::string> notes = alert_coverage_notes(report);
    if (!notes.empty()) {
      out += "<ul>\n";
      for (const std::string& note : notes) out += "<li>" + escape(note) + "</li>\n";
      out += "</ul>\n";
    }
  }
  out += "</section>\n";
}

void write_fault_table(std::string& out, const json::object& report) {
  out += "<section id=\"faults\"><h2>Faults</h2>\n";
  std::vector<const json::object*> faults;
  for (const auto& v : rv::array(report, "faults")) {
    if (v.is_object()) faults.push_back(&v.as_object());
  }
  if (faults.empty()) {
    out += "<p class=\"muted\">No fault was applied.</p></section>\n";
    return;
  }
  out += "<table class=\"faults\"><thead><tr><th></th>";
  for (const auto* f : faults) {
    out += "<th>fault[" + escape(plain_at(*f, "index")) + "] <code>" + escape(plain_at(*f, "kind")) + "</code></th>";
  }
  out += "</tr></thead><tbody>\n";
  auto measure = [&](const char* name, const std::function<std::string(const json::object&)>& cell) {
    out += "<tr><th>" + std::string(name) + "</th>";
    for (const auto* f : faults) out += cell(*f);
    out += "</tr>\n";
  };
  auto td = [](const std::string& html) { return "<td>" + html + "</td>"; };
  auto bad = [](const std::string& html) { return "<td class=\"bad\">" + html + "</td>"; };
  measure("target → node", [&](const json::object& f) {
    return td(escape(plain_at(f, "target")) + " → <b>" + escape(plain_at(f, "node")) + "</b>");
  });
  measure("scheduled", [&](const json::object& f) { return td(instant_text(rv::number(f, "scheduled_ms"))); });
  measure("T0 (effect verified)", [&](const json::object& f) {
    return td(instant_text(rv::number(f, "t0_ms")) + " <span class=\"muted\">(gap " +
              duration_text(rv::number(f, "injection_gap_ms")) + ")</span>");
  });
  measure("reverted", [&](const json::object& f) {
    auto t = rv::number(f, "reverted_ms");
    return t ? td(instant_text(t)) : td("not reverted");
  });
  measure("T_impact", [&](const json::object& f) {
    return rv::flag(f, "masked").value_or(false) ? td("masked (no impact)") : td(instant_text(rv::number(f, "impact_ms")));
  });
  measure("detection (T_detect − T0)", [&](const json::object& f) {
    if (!rv::flag(f, "detected").value_or(false)) return bad("undetected");
    return td(duration_text(rv::number(f, "detection_ms")) + " by " + escape(plain_at(f, "detected_by")));
  });
  measure("harness detection (gap)", [&](const json::object& f) {
    return td(duration_text(rv::number(f, "harness_detection_ms")) + " <span class=\"muted\">(system " +
              duration_text(rv::number(f, "detection_gap_ms")) + " later)</span>");
  });
  measure("recovery (T_recover − T0)", [&](const json::object& f) {
    if (!rv::flag(f, "recovered").value_or(false)) return bad("not recovered");
    return td(duration_text(rv::number(f, "recovery_ms")));
  });
  measure("repair (detection + recovery)", [&](const json::object& f) { return td(duration_text(rv::number(f, "repair_ms"))); });
  measure("outage (T_recover − T_impact)", [&](const json::object& f) { return td(duration_text(rv::number(f, "outage_ms"))); });
  measure("uncertainty", [&](const json::object& f) {
    std::string parts;
    for (const auto& [k, u] : rv::object(f, "uncertainty_ms")) {
      parts += (parts.empty() ? "" : ", ") + std::string(k) + " " + plain(&u) + " ms";
    }
    return "<td class=\"muted\">" + escape(parts.empty() ? kNone : parts) + "</td>";
  });
  out += "</tbody></table></section>\n";
}

// An objective's target or measurement in its unit (rv::objective_shape, as report.md reads it).
std::string objective_value(const std::string& name, const json::value* v) {
  auto n = number_of(v);
  if (!n) return escape(plain(v));
  if (rv::objective_shape(name).unit == " ms") return duration_text(n);
  return escape(rv::format_number(*n, 4));
}

void write_objectives(std::string& out, const json::object& report) {
  out += "<section id=\"objectives\"><h2>Objectives vs measured</h2>\n";
  const json::array& objectives = rv::array(report, "objectives");
  if (objectives.empty()) {
    out += "<p class=\"muted\">No objectives were set.</p></section>\n";
    return;
  }
  out += "<table><thead><tr><th>objective</th><th>target</th><th>measured</th><th>result</th></tr></thead><tbody>\n";
  for (const auto& v : objectives) {
    if (!v.is_object()) continue;
    const json::object& o = v.as_object();
    std::string name = rv::text(o, "name");
    auto pass = rv::flag(o, "pass");
    out += std::string(pass && !*pass ? "<tr class=\"bad\">" : "<tr>") + "<td>" + escape(name) + "</td><td class=\"num\">" +
           objective_value(name, o.if_contains("target")) + "</td><td class=\"num\">" +
           objective_value(name, o.if_contains("measured")) + "</td>" + pass_cell(pass) + "</tr>\n";
  }
  out += "</tbody></table></section>\n";
}

// Every id, in a collapsed block: the list can be long, and the SRE opens it when asked.
std::string id_list(const json::object& rec, const std::string& key, const std::string& label) {
  const json::array& ids = rv::array(rec, key);
  if (ids.empty()) return "";
  std::string body;
  for (const auto& id : ids) body += "<code>" + escape(plain(&id)) + "</code> ";
  return "<details class=\"ids-" + key + "\"><summary>" + escape(label) + ": " + std::to_string(ids.size()) +
         " ids</summary><div class=\"ids\">" + body + "</div></details>\n";
}

std::string count_cell(const json::object& rec, std::string_view key, bool bad_when_positive) {
  auto n = rv::number(rec, key);
  bool bad = bad_when_positive && n && *n > 0;
  return std::string(bad ? "<span class=\"bad\">" : "<span>") + escape(plain_at(rec, key)) + "</span>";
}

void write_reconciliation(std::string& out, const json::object& report) {
  const json::object& rec = rv::object(report, "reconciliation");
  out += "<section id=\"reconciliation\"><h2>Reconciliation</h2>\n";
  if (rec.empty()) {
    out += "<p class=\"muted\">No reconciliation in the report.</p></section>\n";
    return;
  }
  out += "<table class=\"kv\">\n";
  out += row("reference node", escape(plain_at(rec, "reference_node")));
  out += row("invoked (keys sent)", count_cell(rec, "invoked", false));
  out += row("acknowledged", count_cell(rec, "acknowledged", false));
  out += row("lost", count_cell(rec, "lost", true) + " <span class=\"muted\">(amount " +
                         escape(plain_at(rec, "lost_amount")) + "; acknowledged after T0: " +
                         escape(plain_at(rec, "lost_after_t0")) + ")</span>");
  out += row("duplicated", count_cell(rec, "duplicated", true));
  out += row("failed but applied", count_cell(rec, "failed_but_applied", true));
  out += row("unexpected (never requested)", count_cell(rec, "unexpected", true));
  out += row("corrupted", count_cell(rec, "corrupted", true));
  out += row("outcome unknown: present / absent",
             escape(plain_at(rec, "recovered")) + " / " + escape(plain_at(rec, "unknown_absent")));
  out += row("observed RPO", duration_text(rv::number(rec, "rpo_ms")) + " <span class=\"muted\">(T0 " +
                                 instant_text(rv::number(rec, "rpo_t0_ms")) + ", loss span " +
                                 duration_text(rv::number(rec, "loss_span_ms")) + ")</span>");
  out += "</table>\n";
  out += id_list(rec, "lost_ids", "lost payments");
  out += id_list(rec, "duplicated_ids", "duplicated payments");
  out += id_list(rec, "failed_but_applied_ids", "failed but applied");
  out += id_list(rec, "unexpected_ids", "unexpected transfers");
  out += id_list(rec, "corrupted_ids", "corrupted transfers");
  out += "</section>\n";
}

// Storage-loss drills: each restore, the restored point, the RPO against it, the backups' state.
void write_restore(std::string& out, const json::object& report) {
  const json::value* summary = report.if_contains("restore");
  if (!summary || !summary->is_object()) return;
  const json::object& x = summary->as_object();
  out += "<section id=\"restore\"><h2>Restore from backup</h2>\n";
  out += "<table><thead><tr><th>fault</th><th>node</th><th>action</th><th>start</th><th>duration</th>"
         "<th>restored to</th><th>result</th></tr></thead><tbody>\n";
  for (const auto& v : rv::array(report, "restores")) {
    if (!v.is_object()) continue;
    const json::object& r = v.as_object();
    bool ok = rv::flag(r, "succeeded").value_or(false);
    std::string damaged = rv::text(r, "damaged_file");
    std::string result = ok ? "restored" : damaged.empty() ? "failed: " + rv::text(r, "error") : "damaged backup: " + damaged;
    out += std::string(ok ? "<tr>" : "<tr class=\"bad\">") + "<td class=\"num\">" + escape(plain_at(r, "fault")) +
           "</td><td>" + escape(rv::text(r, "node")) + "</td><td>" + escape(rv::text(r, "action")) +
           "</td><td class=\"num\">" + instant_text(rv::number(r, "started_ms")) + "</td><td class=\"num\">" +
           duration_text(rv::number(r, "duration_ms")) + "</td><td class=\"num\">" +
           escape(plain_at(r, "restored_position")) + "</td><td>" + escape(result) + "</td></tr>\n";
  }
  out += "</tbody></table>\n<table class=\"kv\">\n";
  std::string point = kNone;
  if (const json::value* p = x.if_contains("restored_point"); p && p->is_object()) {
    const json::object& rp = p->as_object();
    point = "position " + plain_at(rp, "position") + " (" + rv::text(rp, "key") + "), acknowledged at ";
    point = escape(point) + instant_text(rv::number(rp, "acknowledged_ms"));
  }
  out += row("restore duration", duration_text(rv::number(x, "duration_ms")));
  out += row("restored point", point);
  out += row("RPO against the restored point", duration_text(rv::number(x, "rpo_ms")));
  out += row("acknowledged after it, lost", count_cell(x, "lost", true) + " <span class=\"muted\">(amount " +
                                                escape(plain_at(x, "lost_amount")) + ")</span>");
  std::string damaged;
  for (const auto& d : rv::array(x, "damaged_files")) damaged += " " + escape(plain(&d));
  out += row("backup integrity", rv::flag(x, "backup_integrity").value_or(true)
                                     ? std::string("every file verified")
                                     : "<span class=\"bad\">damaged:" + damaged + "</span>");
  out += "</table>\n</section>\n";
}

void write_invariants(std::string& out, const json::object& report) {
  const json::object& rec = rv::object(report, "reconciliation");
  out += "<section id=\"invariants\"><h2>Invariants</h2>\n<table><thead><tr><th>invariant</th><th>measured</th>"
         "<th>result</th></tr></thead><tbody>\n";
  auto check = [&](const char* name, const char* key, std::optional<bool> pass) {
    out += "<tr><td>" + std::string(name) + "</td><td>" + escape(plain_at(rec, key)) + "</td>" + pass_cell(pass) + "</tr>\n";
  };
  check("money conserved (total = accounts × opening balance)", "money_conserved", rv::flag(rec, "money_conserved"));
  auto negative = rv::number(rec, "negative_balances");
  check("no negative balance", "negative_balances", negative ? std::optional<bool>(*negative == 0) : std::nullopt);
  check("balances match the replay of the transfers", "balances_match_replay", rv::flag(rec, "balances_match_replay"));
  check("replicas agree with the reference export", "replicas_agree", rv::flag(rec, "replicas_agree"));
  out += "</tbody></table>\n";
  const json::array& problems = rv::array(rec, "invariant_problems");
  if (!problems.empty()) {
    out += "<ul class=\"problems\">\n";
    for (const auto& p : problems) out += "<li class=\"bad\">" + escape(plain(&p)) + "</li>\n";
    out += "</ul>\n";
  }
  const json::array& exits = rv::array(report, "unexpected_exits");
  if (!exits.empty()) {
    out += "<p class=\"bad\">Unexpected process exits:";
    for (const auto& e : exits) out += " " + escape(plain(&e));
    out += "</p>\n";
  }
  out += "</section>\n";
}

void write_availability(std::string& out, const json::object& report) {
  const json::object& a = rv::object(report, "availability");
  out += "<section id=\"availability\"><h2>Availability</h2>\n<table class=\"kv\">\n";
  auto percent = [&](const char* key) {
    auto v = rv::number(a, key);
    return v ? rv::format_percent(*v) : std::string(kNone);
  };
  auto ratio = rv::number(a, "success_ratio"), slo = rv::number(a, "slo");
  std::optional<bool> meets = ratio && slo ? std::optional<bool>(*ratio >= *slo) : std::nullopt;
  out += row("success ratio (ok / attempts)", percent("success_ratio") + " <span class=\"muted\">(" +
                                                 escape(plain_at(a, "ok")) + " / " + escape(plain_at(a, "attempts")) +
                                                 ")</span>" + (meets && !*meets ? " <span class=\"bad\">below SLO</span>" : ""));
  out += row("SLO (steady-state success ratio)", percent("slo"));
  out += row("error budget consumed", percent("error_budget_consumed"));
  if (a.contains("mttr_ms")) out += row("MTTR", duration_text(rv::number(a, "mttr_ms")));
  if (a.contains("projected_availability")) out += row("projected availability (MTBF / (MTBF + MTTR))", percent("projected_availability"));
  out += row("fault tolerance (nodes survived / nodes)", percent("fault_tolerance") + " <span class=\"muted\">(" +
                                                            escape(plain_at(a, "nodes_survived")) + " / " +
                                                            escape(plain_at(a, "nodes")) + ")</span>");
  out += "</table></section>\n";
}

// ---- events ------------------------------------------------------------------------------

void write_events(std::string& out, const json::object& events) {
  std::size_t listed = 0, omitted = 0;
  std::string rows;
  for (const auto& v : rv::array(events, "events")) {
    if (!v.is_object()) continue;
    if (listed == kHtmlEventsMax) {
      ++omitted;
      continue;
    }
    ++listed;
    const json::object& e = v.as_object();
    std::string node = rv::text(e, "node");
    rows += std::string(rv::flag(e, "bad").value_or(false) ? "<tr class=\"bad\">" : "<tr>") + "<td class=\"num\">" +
            fixed(static_cast<double>(rv::t_ns(e).value_or(0)) / kNsPerS, 3) + "</td><td>" + escape(node.empty() ? kNone : node) +
            "</td><td>" + escape(rv::text(e, "source")) + "</td><td>" + escape(rv::text(e, "what")) + "</td></tr>\n";
  }
  out += "<section id=\"events\"><h2>Events</h2>\n<p class=\"muted\">Processes, alerts, fault steps, matched log "
         "lines, health-probe and steady-state changes, in timeline order.</p>\n";
  out += "<table><thead><tr><th>t (s)</th><th>node</th><th>source</th><th>event</th></tr></thead><tbody>\n" + rows +
         "</tbody></table>\n";
  if (omitted > 0) {
    out += "<p class=\"muted\">" + std::to_string(omitted) + " more events are in timeline.jsonl.</p>\n";
  }
  out += "</section>\n";
}

void write_footer(std::string& out, const json::object& report) {
  std::string version = rv::text(report, "tool_version");
  if (version.empty()) version = kHtmlToolVersion;
  out += "<footer>Generated by firedrill " + escape(version) +
         " from the run directory (report.json, timeline.jsonl, run.json); times are seconds since the drill "
         "started on the controller's monotonic clock. Self-contained: no network access is needed to view "
         "it.</footer>\n";
}

}  // namespace

const char* html_report_style() { return kStyle; }

void write_verdict_banner(std::string& out, const json::object& report) { write_verdict(out, report); }

std::string html_report(const json::object& report, const json::object& run, const json::object& chart,
                        const json::object& events) {
  std::string name = rv::text(rv::object(report, "scenario"), "name");
  std::string out;
  out.reserve(64 * 1024);
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  // Nothing may be fetched: not a font, an image, a script or a beacon.
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "script-src 'unsafe-inline'\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>firedrill: " + escape(name) + " — " + escape(rv::text(report, "verdict")) + "</title>\n";
  out += "<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  write_verdict(out, report);
  out += "<main>\n";
  write_scenario(out, report, run, events);
  write_timeline_chart(out, report, chart, events);
  write_fault_table(out, report);
  write_alerting(out, report);
  write_power_loss(out, report);
  write_objectives(out, report);
  write_reconciliation(out, report);
  write_restore(out, report);
  write_invariants(out, report);
  write_availability(out, report);
  write_events(out, events);
  write_footer(out, report);
  out += "</main>\n<script>" + std::string(kSelfCheck) + "</script>\n</body></html>\n";
  return out;
}

}  // namespace firedrill
