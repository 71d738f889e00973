// The live page's script (harness/live/README.md), served as /live.js.
'use strict';
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
  if (ended) return;
  ended = true;
  $('elapsed').textContent = (elapsedMs / 1000).toFixed(1) + ' s';
  $('final').innerHTML = f.banner;  // report.html's banner, escaped by the server
  $('final').setAttribute('data-verdict', f.verdict);
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
