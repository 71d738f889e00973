// The live page; see live_page.h.
#include "live/live_page.h"

#include "reports/html_report.h"
#include "reports/html_text.h"

namespace firedrill {
namespace {

// The live page's own parts, beside the report's style sheet.
constexpr const char* kLiveStyle = R"css(
header.live{display:flex;flex-wrap:wrap;gap:12px 28px;align-items:baseline;padding:14px 24px;background:#1a202c;color:#fff}
header.live h1{font-size:24px;margin:0}
header.live .phase{font-size:22px;font-weight:700;text-transform:uppercase;letter-spacing:.05em}
header.live .elapsed{font-size:22px;font-variant-numeric:tabular-nums}
header.live .conn{margin-left:auto;font-size:14px;opacity:.85}
.steady-true{color:#9ae6b4}.steady-false{color:#feb2b2}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:0 32px}
#events{max-height:360px;overflow:auto;font-size:14px;border:1px solid #e2e8f0;padding:4px 8px;margin:6px 0}
#events div{padding:1px 0}#events .t{color:var(--muted);font-variant-numeric:tabular-nums;display:inline-block;width:5.5em}
#events .bad{color:var(--bad)}#events .good{color:var(--good);font-weight:400}#events .fault{color:#8a5a00}
#events .alert{color:#6b46c1}#events .phase{font-weight:700}
.node-up{color:var(--good);font-weight:700}.node-down{color:var(--bad);font-weight:700}
.provisional{color:var(--muted);font-size:13px}
#stop{margin:12px 0;padding:10px 12px;border:1px solid #e2e8f0;background:#f7fafc}
#stop input{font-size:15px;padding:4px 6px;width:22em}#stop button{font-size:15px;padding:4px 14px;margin-left:8px}
#reports a{margin-right:16px}
)css";

}  // namespace

std::string live_page_html(const std::string& drill_name) {
  const std::string name = html::escape(drill_name);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'self'; "
      "style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'none'; base-uri 'none'\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>firedrill live: " +
      name + "</title>\n<style>" + html_report_style() + kLiveStyle + "</style>\n</head>\n<body data-version=\"0\">\n";
  out += "<header class=\"live\"><h1>firedrill live: " + name +
         "</h1><span class=\"phase\" id=\"phase\">connecting</span><span class=\"elapsed\" id=\"elapsed\">0.0 s</span>"
         "<span id=\"steady\"></span><span class=\"conn\" id=\"conn\">connecting…</span></header>\n";
  out += "<div id=\"verdict\"></div>\n<main>\n";
  out += "<p id=\"reports\"></p>\n<div id=\"chart\"><p class=\"muted\">The chart appears once the drill's first "
         "payments complete.</p></div>\n";
  out += "<h2>Faults</h2>\n<table id=\"faults\"><thead><tr><th>fault</th><th>kind</th><th>node</th><th>state</th>"
         "<th>T0 s</th><th>detected after</th><th>recovered after</th><th>reverted s</th></tr></thead><tbody></tbody></table>\n"
         "<p class=\"provisional\" id=\"provisional\">While the drill runs, detection is the first alert or log line that "
         "counts for detection, and recovery the steady state back: provisional. The verdict's numbers are scoring's, "
         "shown here when the drill ends.</p>\n";
  out += "<div class=\"grid2\"><section><h2>Nodes</h2><table id=\"nodes\"><thead><tr><th>node</th><th>process</th>"
         "<th>health</th></tr></thead><tbody></tbody></table></section>\n<section><h2>Alerts</h2><table id=\"alerts\">"
         "<thead><tr><th>alert</th><th>labels</th><th>state</th><th>since s</th></tr></thead><tbody></tbody></table>"
         "</section></div>\n";
  out += "<h2>Events</h2>\n<p class=\"muted\" id=\"dropped\"></p><div id=\"events\"></div>\n";
  out += "<form id=\"stop\"><strong>Stop the drill</strong> (as Ctrl-C: every fault reverted, the reports written, "
         "exit 4). Token, as printed on the controller's terminal: <input id=\"token\" type=\"password\" "
         "autocomplete=\"off\" spellcheck=\"false\"><button id=\"stop-button\" type=\"submit\">Stop</button> "
         "<span id=\"stop-result\"></span></form>\n";
  out += "<footer>Served by firedrill from the drill's timeline as it is written.</footer>\n</main>\n"
         "<script src=\"/live.js\"></script>\n</body>\n</html>\n";
  return out;
}

const char* live_page_script() {
  return R"js('use strict';
// Follows the drill through long polls of /events; each answer is the whole view, the events
// since the last one, and the chart when it changed.
var version = 0, chartVersion = -1, lastEvent = 0, elapsedMs = 0, receivedAt = 0, running = true, ended = false;
function $(id) { return document.getElementById(id); }
function text(tag, value, cls) { var e = document.createElement(tag); e.textContent = value; if (cls) e.className = cls; return e; }
function seconds(ms) { return ms === null || ms === undefined ? '\u2014' : (ms / 1000).toFixed(1); }
function after(ms) { return ms === null || ms === undefined ? '\u2014' : (ms / 1000).toFixed(2) + ' s'; }
function rows(id, items, cells) {
  var body = $(id).tBodies[0]; body.textContent = '';
  items.forEach(function (item) {
    var tr = document.createElement('tr');
    cells(item).forEach(function (c) { tr.appendChild(typeof c === 'string' ? text('td', c) : c); });
    body.appendChild(tr);
  });
}
function apply(s) {
  version = s.version;
  document.body.setAttribute('data-version', String(version));
  $('phase').textContent = s.phase;
  document.body.setAttribute('data-phase', s.phase);
  elapsedMs = s.elapsed_ms; receivedAt = performance.now();
  $('steady').textContent = s.steady === null ? '' : (s.steady ? 'steady' : 'not steady');
  $('steady').className = s.steady === null ? '' : 'steady-' + s.steady;
  if (s.chart !== undefined) { $('chart').innerHTML = s.chart; chartVersion = s.chart_version; }
  // Once scored, the report's faults: detection and recovery as scoring measured them.
  rows('faults', s.final ? s.final.faults : s.faults, function (f) {
    var state = f.state || (f.reverted_ms === null || f.reverted_ms === undefined ? 'never reverted' : 'reverted');
    return ['fault[' + f.index + ']', f.kind, f.node, state, seconds(f.t0_ms), after(f.detection_ms) +
      (f.detected_by ? ' (' + f.detected_by + ')' : ''), after(f.recovery_ms), seconds(f.reverted_ms)];
  });
  rows('nodes', s.nodes, function (n) {
    var up = n.state === 'running';
    return [n.name, text('td', n.state, up ? 'node-up' : (n.state === 'not started' ? '' : 'node-down')),
      text('td', n.healthy === null ? '\u2014' : (n.healthy ? 'healthy' : 'failing'), n.healthy === false ? 'node-down' : '')];
  });
  rows('alerts', s.alerts, function (a) {
    return [a.name, a.labels, text('td', a.firing ? 'firing' : 'resolved', a.firing ? 'bad' : 'ok'), seconds(a.since_ms)];
  });
  var log = $('events'), atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  s.events.forEach(function (e) {
    var line = document.createElement('div'); line.className = e['class'];
    line.appendChild(text('span', seconds(e.t_ms) + ' s', 't')); line.appendChild(document.createTextNode(' ' + e.text));
    log.appendChild(line); lastEvent = e.seq;
  });
  while (log.childNodes.length > 2000) log.removeChild(log.firstChild);
  if (atBottom) log.scrollTop = log.scrollHeight;
  if (s.events_dropped > 0) $('dropped').textContent = s.events_dropped + ' earlier events are in timeline.jsonl.';
  if (s.final) finish(s.final);
}
function finish(f) {
  ended = true;
  $('elapsed').textContent = (elapsedMs / 1000).toFixed(1) + ' s';
  $('verdict').innerHTML = f.banner;
  $('verdict').setAttribute('data-verdict', f.verdict);
  $('provisional').textContent = 'Scored: detection and recovery as the report gives them.';
  var links = $('reports'); links.textContent = 'Reports: ';
  f.reports.forEach(function (name) { var a = text('a', name); a.href = '/report/' + name; links.appendChild(a); });
  $('stop').style.display = 'none';
}
function tick() {
  if (!ended && receivedAt) $('elapsed').textContent = ((elapsedMs + (running ? performance.now() - receivedAt : 0)) / 1000).toFixed(1) + ' s';
}
function poll() {
  fetch('/events?after=' + version + '&chart=' + chartVersion + '&event=' + lastEvent, { cache: 'no-store' })
    .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
    .then(function (s) { running = true; $('conn').textContent = 'live'; apply(s); setTimeout(poll, 0); })
    .catch(function () {
      running = false;
      $('conn').textContent = ended ? 'the drill is over; firedrill has stopped serving (the reports are in the run directory)'
                                    : 'connection lost; retrying';
      setTimeout(poll, ended ? 5000 : 1000);
    });
}
$('stop').addEventListener('submit', function (event) {
  event.preventDefault();
  var result = $('stop-result');
  result.textContent = 'sending\u2026';
  fetch('/stop', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: $('token').value }) })
    .then(function (r) { return r.json().then(function (b) { result.textContent = b.message; result.className = r.ok ? 'ok' : 'bad'; }); })
    .catch(function () { result.textContent = 'no answer'; result.className = 'bad'; });
});
setInterval(tick, 200);
poll();
)js";
}

}  // namespace firedrill
