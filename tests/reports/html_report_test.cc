// Tests of report.html (reports/html_report.h).
//
// The unit tests read the generated text: the SVG timeline holds a shaded window per fault and
// the T0 / T_detect / T_recover markers, the verdict comes first, nothing refers to anything
// outside the file, every piece of input text is escaped, and the chart stays bounded however
// many payments the timeline holds.
//
// The Chromium test loads the page in headless Chromium (Debian package `chromium`) with every
// host name unresolvable and a NetLog recording, and reads back the rendered DOM: the page's own
// inline check writes <body data-check="first=verdict;svg=1;windows=..;t0=..;..;width=..">
// after layout. It then asserts that the page logged nothing to the console (an error, a blocked
// fetch and an uncaught exception all appear there) and that the NetLog holds no request made by
// the page. A control page that does load an image proves the NetLog check can fail.
// FIREDRILL_KEEP_HTML=1 keeps the rendered test page in the temporary directory.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "reports/html_report.h"
#include "scoring/chart_series.h"
#include "scoring/report_events.h"
#include "scoring/scorer.h"
#include "testing/prerequisite.h"
#include "testing/read_file.h"

namespace firedrill {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr int64_t kNsPerMs = 1'000'000;

// ---- hand-built inputs ---------------------------------------------------------------------

// Text meant to break out of HTML, and URLs that must stay inert text.
const std::string kHostileDescription =
    "kill <b>primary</b> & see \"quotes\" 'too' <img src=\"https://evil.example/x.png\"> "
    "<script>alert(1)</script> http://runbook.example/kill";

json::object small_report() {
  json::object fault0{{"index", 0},
                      {"kind", "process.kill"},
                      {"target", "role:ledger-primary"},
                      {"node", "ledger-1"},
                      {"scheduled_ms", 4999.0},
                      {"t0_ms", 5000.0},
                      {"injection_gap_ms", 1.0},
                      {"reverted_ms", 8000.0},
                      {"impact_ms", 5010.0},
                      {"masked", false},
                      {"detected", true},
                      {"detected_by", "alert LedgerPrimaryDown"},
                      {"detection_ms", 1300.0},
                      {"harness_detection_ms", 600.0},
                      {"detection_gap_ms", 700.0},
                      {"recovered", true},
                      {"recovery_ms", 2400.0},
                      {"repair_ms", 1100.0},
                      {"outage_ms", 2390.0},
                      {"uncertainty_ms", json::object{{"probe_interval", 250}}}};
  // Never reverted, detected, never recovered: its window runs to the end, no T_recover.
  json::object fault1{{"index", 1},          {"kind", "network.partition"}, {"target", "node:<ledger-2>"},
                      {"node", "ledger-2"},  {"t0_ms", 12000.0},           {"reverted_ms", nullptr},
                      {"masked", false},     {"detected", true},           {"detected_by", "alert <Partition>"},
                      {"detection_ms", 900.0}, {"recovered", false},       {"recovery_ms", nullptr}};
  json::object reconciliation{{"reference_node", "ledger-1"},
                              {"invoked", 950},
                              {"acknowledged", 900},
                              {"lost", 3},
                              {"lost_ids", json::array{"key-1", "key-2", "<key&3>"}},
                              {"lost_amount", 170},
                              {"lost_after_t0", 1},
                              {"duplicated", 1},
                              {"duplicated_ids", json::array{"dup-1"}},
                              {"failed_but_applied", 0},
                              {"failed_but_applied_ids", json::array{}},
                              {"unexpected", 0},
                              {"unexpected_ids", json::array{}},
                              {"corrupted", 0},
                              {"corrupted_ids", json::array{}},
                              {"recovered", 2},
                              {"unknown_absent", 5},
                              {"money_conserved", true},
                              {"negative_balances", 0},
                              {"balances_match_replay", false},
                              {"replicas_agree", true},
                              {"invariant_problems", json::array{"ledger-2: balance of acct-1 differs"}},
                              {"rpo_ms", 120.0},
                              {"rpo_t0_ms", 5000.0},
                              {"loss_span_ms", 80.0}};
  json::array objectives{
      json::object{{"name", "fault[0] detect_within"}, {"target", 3000}, {"measured", 1300.0}, {"pass", true}},
      json::object{{"name", "fault[1] recover_within"}, {"target", 10000}, {"measured", nullptr}, {"pass", false}},
      json::object{{"name", "lost_payments_max"}, {"target", 0}, {"measured", 3}, {"pass", false}}};
  return json::object{
      {"schema", "firedrill.report/v1"},
      {"verdict", "safety_failure"},
      {"exit_code", 2},
      {"scenario", json::object{{"name", "kill-<primary>"}, {"digest", "ab12"}, {"description", kHostileDescription}}},
      {"seed", 7},
      {"failures", json::object{{"inconclusive", json::array{}},
                                {"aborted", json::array{}},
                                {"safety", json::array{"3 acknowledged payments lost (allowed 0)"}},
                                {"objectives", json::array{"fault[1]: not recovered"}}}},
      {"faults", json::array{fault0, fault1}},
      {"reconciliation", reconciliation},
      {"availability", json::object{{"success_ratio", 0.947}, {"attempts", 950}, {"ok", 900}, {"slo", 0.95},
                                    {"error_budget_consumed", 1.06}, {"fault_tolerance", 0.8},
                                    {"nodes_survived", 4}, {"nodes", 5}}},
      {"objectives", objectives},
      {"unexpected_exits", json::array{"ledger-3"}}};
}

json::object record(int64_t t_ns, const char* source, const char* kind, json::object fields = {}) {
  fields["t_ns"] = t_ns;
  fields["source"] = source;
  fields["kind"] = kind;
  return fields;
}

// `seconds` of payments at `rate_per_s`, failing between 5 s and 7 s, plus the events around a
// fault at 5 s.
std::vector<json::object> timeline(int seconds, int rate_per_s) {
  std::vector<json::object> t;
  t.push_back(record(0, "harness", "start", {{"utc", "2026-11-27T23:42:24Z"}}));
  t.push_back(record(1000, "harness", "phase", {{"phase", "baseline"}}));
  t.push_back(record(2'000 * kNsPerMs, "supervisor", "started", {{"node", "ledger-1"}, {"pid", 12}, {"expected", false}}));
  int64_t step_ns = 1'000'000'000 / rate_per_s;
  for (int64_t i = 0; i < int64_t{seconds} * rate_per_s; ++i) {
    int64_t at = 100 * kNsPerMs + i * step_ns;
    bool failing = at >= 5'000 * kNsPerMs && at < 7'000 * kNsPerMs && i % 2 == 0;
    t.push_back(record(at, "workload", "invoke", {{"key", "k" + std::to_string(i)}}));
    t.push_back(record(at + 2 * kNsPerMs, "workload", failing ? (i % 4 == 0 ? "fail" : "unknown") : "ok",
                       {{"key", "k" + std::to_string(i)}, {"latency_ns", failing ? 900 * kNsPerMs : 2 * kNsPerMs + i % 7}}));
  }
  t.push_back(record(5'000 * kNsPerMs, "fault", "applied", {{"fault", 0}, {"fault_kind", "process.kill"}, {"verified", true}}));
  t.push_back(record(5'001 * kNsPerMs, "supervisor", "exited",
                     {{"node", "ledger-1"}, {"expected", true}, {"exit_code", -1}, {"signal", 9}}));
  t.push_back(record(6'300 * kNsPerMs, "alertmanager", "alert",
                     {{"status", "firing"}, {"alertname", "LedgerPrimaryDown"}, {"labels", json::object{{"node", "ledger-1"}}}}));
  t.push_back(record(9'000 * kNsPerMs, "supervisor", "exited",
                     {{"node", "ledger-3"}, {"expected", false}, {"exit_code", 3}, {"signal", 0}}));
  t.push_back(record(9'500 * kNsPerMs, "logs", "log_match",
                     {{"node", "arbiter"}, {"pattern", "x"}, {"line", "<script>alert(2)</script>"}}));
  t.push_back(record(int64_t{seconds} * 1'000 * kNsPerMs, "harness", "end", {{"end", "completed"}}));
  return t;
}

json::object run_record() {
  return json::object{{"schema", "firedrill.run/v1"}, {"scenario", json::object{{"system", "refpay"}}}};
}

// The page as `firedrill score` renders it: the workload's records held compact, as read_run_dir
// holds them, and the chart's series computed by scoring.
std::string page(const json::object& report, const std::vector<json::object>& records, const json::object& run) {
  RunData data;
  data.run = run;
  for (const json::object& r : records) add_record(data, r);
  return html_report(report, run, chart_series(data, report), report_events(data));
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// ---- unit ------------------------------------------------------------------------------------

TEST(HtmlReport, TimelineHasFaultWindowsAndMarkers) {
  std::string html = page(small_report(), timeline(20, 50), run_record());
  ASSERT_NE(html.find("<svg id=\"timeline\""), std::string::npos);
  EXPECT_EQ(count(html, "<rect class=\"fault-window\""), 2u);  // one reverted, one open to the end
  EXPECT_EQ(count(html, "class=\"marker t0\""), 2u);
  EXPECT_EQ(count(html, "class=\"marker detect\""), 2u);
  EXPECT_EQ(count(html, "class=\"marker recover\""), 1u);  // fault[1] never recovered
  EXPECT_NE(html.find(">T0 [0]<"), std::string::npos);
  EXPECT_NE(html.find(">T_detect [0] +1.30 s<"), std::string::npos);
  EXPECT_NE(html.find(">T_recover [0] +2.40 s<"), std::string::npos);
  for (const char* series : {"series ok", "series errors", "series p50", "series p99"}) {
    EXPECT_EQ(count(html, std::string("<path class=\"") + series + "\""), 1u) << series;
  }
  EXPECT_NE(html.find("class=\"legend\""), std::string::npos);
  EXPECT_NE(html.find("seconds since the drill started"), std::string::npos);
}

TEST(HtmlReport, VerdictComesFirst) {
  std::string html = page(small_report(), timeline(20, 50), run_record());
  auto body = html.find("<body>");
  ASSERT_NE(body, std::string::npos);
  auto verdict = html.find("<header id=\"verdict\" class=\"verdict verdict-safety_failure\">");
  EXPECT_EQ(verdict, body + std::string("<body>\n").size());
  EXPECT_NE(html.find("<div class=\"word\">SAFETY FAILURE</div>"), std::string::npos);
  EXPECT_LT(html.find("3 acknowledged payments lost"), html.find("<main>"));
  EXPECT_LT(verdict, html.find("id=\"timeline\""));
}

TEST(HtmlReport, ReferencesNothingOutsideTheFile) {
  std::string html = page(small_report(), timeline(20, 50), run_record());
  // No attribute that loads anything, no stylesheet or font link, no CSS url() or @import.
  // (Escaped input text may read `src=&quot;`: that is text, not an attribute.)
  EXPECT_FALSE(std::regex_search(html, std::regex("(src|href|xlink:href|action|srcset)\\s*=\\s*[\"']"))) << "a loading attribute";
  EXPECT_EQ(count(html, "<link"), 0u);
  EXPECT_EQ(count(html, "url("), 0u);
  EXPECT_EQ(count(html, "@import"), 0u);
  EXPECT_TRUE(std::regex_search(html, std::regex("<script>")));
  EXPECT_FALSE(std::regex_search(html, std::regex("<script[^>]*src")));
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  // The only URLs are the input's own text, escaped: each sits in text, never in an attribute.
  std::size_t urls = 0;
  for (auto at = html.find("://"); at != std::string::npos; at = html.find("://", at + 3)) {
    ++urls;
    std::string before = html.substr(at < 16 ? 0 : at - 16, at < 16 ? at : 16);
    EXPECT_TRUE(before.find("&quot;https") != std::string::npos || before.find(" http") != std::string::npos)
        << "URL outside escaped text near: " << html.substr(at < 40 ? 0 : at - 40, 80);
  }
  EXPECT_GT(urls, 0u);  // the hostile description made it onto the page, as text
}

TEST(HtmlReport, EscapesAllInputText) {
  std::string html = page(small_report(), timeline(20, 50), run_record());
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<b>primary</b>"), std::string::npos);
  EXPECT_NE(html.find("kill &lt;b&gt;primary&lt;/b&gt; &amp; see &quot;quotes&quot; &#39;too&#39; "
                      "&lt;img src=&quot;https://evil.example/x.png&quot;&gt;"),
            std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(2)&lt;/script&gt;"), std::string::npos);  // log line
  EXPECT_NE(html.find("kill-&lt;primary&gt;"), std::string::npos);
  EXPECT_NE(html.find("node:&lt;ledger-2&gt;"), std::string::npos);
  EXPECT_EQ(count(html, "<script>"), 1u);  // the page's own check, nothing from the input
}

TEST(HtmlReport, ListsEveryLostAndDuplicatedId) {
  std::string html = page(small_report(), timeline(20, 50), run_record());
  auto lost = html.find("<details class=\"ids-lost_ids\"><summary>lost payments: 3 ids</summary>");
  ASSERT_NE(lost, std::string::npos);
  auto end = html.find("</details>", lost);
  for (const char* id : {"<code>key-1</code>", "<code>key-2</code>", "<code>&lt;key&amp;3&gt;</code>"}) {
    auto at = html.find(id, lost);
    EXPECT_TRUE(at != std::string::npos && at < end) << id;
  }
  EXPECT_NE(html.find("duplicated payments: 1 ids</summary><div class=\"ids\"><code>dup-1</code>"), std::string::npos);
  EXPECT_EQ(html.find("ids-corrupted_ids"), std::string::npos);  // none: no empty block
}

TEST(HtmlReport, ShowsObjectivesInvariantsAvailabilityAndEvents) {
  std::string html = page(small_report(), timeline(20, 50), run_record());
  const char* const shown[] = {
      "<td>fault[0] detect_within</td><td class=\"num\">3.00 s</td><td class=\"num\">1.30 s</td>"
      "<td class=\"ok\">pass</td>",
      "<tr class=\"bad\"><td>lost_payments_max</td><td class=\"num\">0</td><td class=\"num\">3</td>"
      "<td class=\"bad\">FAIL</td>",
      "balances match the replay of the transfers</td><td>false</td><td class=\"bad\">FAIL</td>",
      "ledger-2: balance of acct-1 differs",
      "94.7 %",
      "below SLO",
      // Events, with times: an expected and an unexpected exit, an alert, a fault step.
      "<td class=\"num\">5.001</td><td>ledger-1</td><td>supervisor</td><td>process exited "
      "(signal 9), expected</td>",
      "<tr class=\"bad\"><td class=\"num\">9.000</td><td>ledger-3</td><td>supervisor</td>"
      "<td>process exited (code 3), UNEXPECTED</td>",
      "<td>ledger-1</td><td>alertmanager</td><td>alert LedgerPrimaryDown firing</td>",
      "fault[0] process.kill applied",
  };
  for (const char* fragment : shown) EXPECT_NE(html.find(fragment), std::string::npos) << fragment;
  EXPECT_EQ(html.find("workload</td>"), std::string::npos);  // payments are on the chart, not listed
}

TEST(HtmlReport, FooterNamesToolAndRunDirectory) {
  std::string html = page(small_report(), timeline(5, 10), run_record());
  auto footer = html.find("<footer>");
  ASSERT_NE(footer, std::string::npos);
  EXPECT_NE(html.find("firedrill 0.1.0", footer), std::string::npos);
  EXPECT_NE(html.find("from the run directory", footer), std::string::npos);
}

TEST(HtmlReport, ChartStaysBoundedOnLongRuns) {
  // An hour at 20 payments/s: 72 000 payments, yet at most kChartBucketsMax columns.
  std::string html = page(small_report(), timeline(3600, 20), run_record());
  std::size_t buckets = count(html, "<rect class=\"bucket\"");
  EXPECT_GT(buckets, 0u);
  EXPECT_LE(buckets, kChartBucketsMax);
  EXPECT_NE(html.find("counted in 10 s buckets"), std::string::npos);  // 3600.1 s: 361 columns
  EXPECT_LT(html.size(), 512u * 1024u);
}

TEST(HtmlReport, ToleratesEmptyAndMistypedInputs) {
  std::string html = html_report(json::object{}, json::object{});
  EXPECT_NE(html.find("<header id=\"verdict\" class=\"verdict verdict-unknown\">"), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"timeline\""), std::string::npos);
  EXPECT_NE(html.find("no successful payments"), std::string::npos);
  EXPECT_EQ(count(html, "class=\"fault-window\""), 0u);
  json::object odd{{"verdict", 7}, {"faults", "none"}, {"reconciliation", json::array{}}, {"objectives", json::object{}}};
  json::object odd_events{{"phases", json::array{1, json::object{{"t_ns", "soon"}}}},
                          {"events", json::array{json::object{{"t_ns", -5}, {"bad", "yes"}}}},
                          {"clock_shim_nodes", 3}};
  EXPECT_NO_THROW(html_report(odd, json::object{{"scenario", 1}}, json::object{{"buckets", 2}}, odd_events));
  std::vector<json::object> records{json::object{{"t_ns", "soon"}, {"source", 1}}};
  EXPECT_NO_THROW(page(odd, records, json::object{{"scenario", 1}}));
}

// ---- Chromium ----------------------------------------------------------------------------------

struct Browsed {
  std::string dom;     // --dump-dom output
  std::string log;     // Chromium's stderr (console messages appear as ":CONSOLE")
  json::value netlog;  // --log-net-log output
  int status = -1;
};

using testing::read_file;

// Loads `html` in headless Chromium with every host name unresolvable and returns what it saw.
// A fresh profile each time, so no cache or state crosses tests.
Browsed browse(const fs::path& dir, const std::string& html) {
  fs::create_directories(dir);
  fs::path page = dir / "report.html";
  std::ofstream(page, std::ios::binary) << html;
  std::string command = std::string("timeout -k 5 90 ") + kChromium +
                        " --headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run"
                        " --disable-background-networking --disable-component-update --disable-sync"
                        " --disable-default-apps --disable-extensions"
                        " --host-resolver-rules='MAP * ~NOTFOUND'"
                        " --user-data-dir=" + (dir / "profile").string() +
                        " --enable-logging=stderr --v=0 --log-net-log=" + (dir / "net.json").string() +
                        " --dump-dom file://" + page.string() + " >" + (dir / "dom.html").string() + " 2>" +
                        (dir / "stderr.txt").string();
  Browsed b;
  int raw = std::system(command.c_str());
  b.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  b.dom = read_file(dir / "dom.html");
  b.log = read_file(dir / "stderr.txt");
  boost::system::error_code ec;
  b.netlog = json::parse(read_file(dir / "net.json"), ec);
  return b;
}

// The URLs the page asked the network stack for. A request made for a document loaded from a
// file carries the file:// network isolation key; Chromium's own background fetches do not.
std::vector<std::string> page_requests(const json::value& netlog) {
  std::vector<std::string> urls;
  if (!netlog.is_object()) return {"<unreadable NetLog>"};
  const json::object& log = netlog.as_object();
  const json::value* types = log.contains("constants") ? log.at("constants").as_object().if_contains("logEventTypes") : nullptr;
  if (!types || !types->is_object() || !types->as_object().contains("URL_REQUEST_START_JOB")) return {"<NetLog without event types>"};
  int64_t start_job = types->as_object().at("URL_REQUEST_START_JOB").to_number<int64_t>();
  const json::value* events = log.if_contains("events");
  if (!events || !events->is_array()) return {"<NetLog without events>"};
  for (const auto& e : events->as_array()) {
    const json::object& event = e.as_object();
    if (event.at("type").to_number<int64_t>() != start_job || !event.contains("params")) continue;
    const json::object& params = event.at("params").as_object();
    const json::value* key = params.if_contains("network_isolation_key");
    const json::value* initiator = params.if_contains("initiator");
    bool from_page = (key && key->is_string() && key->as_string().starts_with("file://")) ||
                     (initiator && initiator->is_string() && initiator->as_string() == "null");
    if (from_page) urls.push_back(json::serialize(params.at("url")));
  }
  return urls;
}

std::vector<std::string> console_lines(const std::string& log) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find(":CONSOLE") != std::string::npos) lines.push_back(line);
  }
  return lines;
}

std::string data_check(const std::string& dom) {
  std::smatch m;
  return std::regex_search(dom, m, std::regex("data-check=\"([^\"]*)\"")) ? m[1].str() : "";
}

fs::path fresh_dir(const char* name) {
  fs::path dir = fs::temp_directory_path() / ("firedrill-html-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  return dir;
}

TEST(HtmlReportChromium, RendersTimelineOfflineWithoutErrorsOrRequests) {
  FIREDRILL_REQUIRE(fs::exists(kChromium), "headless Chromium at /usr/bin/chromium (apt-get install chromium)");
  fs::path dir = fresh_dir("report");
  Browsed b = browse(dir, page(small_report(), timeline(20, 50), run_record()));
  ASSERT_EQ(b.status, 0) << b.log;
  std::string check = data_check(b.dom);
  ASSERT_FALSE(check.empty()) << "the page's inline check did not run; DOM:\n" << b.dom.substr(0, 2000);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(check, m, std::regex("first=verdict;svg=1;windows=2;t0=2;detect=2;recover=1;series=4;width=(\\d+)")))
      << check;
  EXPECT_GT(std::stoi(m[1].str()), 900) << "the timeline did not lay out: " << check;
  EXPECT_NE(b.dom.find("<footer>Generated by firedrill 0.1.0"), std::string::npos);  // rendered to the end
  EXPECT_TRUE(console_lines(b.log).empty()) << "console messages:\n" << ::testing::PrintToString(console_lines(b.log));
  EXPECT_TRUE(page_requests(b.netlog).empty()) << ::testing::PrintToString(page_requests(b.netlog));
  // FIREDRILL_KEEP_HTML=1 keeps the page (and what Chromium saw) for a look in a browser.
  if (!std::getenv("FIREDRILL_KEEP_HTML")) fs::remove_all(dir);
  else std::cout << "kept " << (dir / "report.html").string() << "\n";
}

// The checks above must be able to fail: a page that fetches an image and throws is caught.
TEST(HtmlReportChromium, ControlPageWithRequestAndErrorIsCaught) {
  FIREDRILL_REQUIRE(fs::exists(kChromium), "headless Chromium at /usr/bin/chromium (apt-get install chromium)");
  fs::path dir = fresh_dir("control");
  Browsed b = browse(dir,
                     "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>"
                     "<img src=\"https://firedrill-control.invalid/x.png\"><script>no_such_function();</script>"
                     "</body></html>");
  ASSERT_EQ(b.status, 0) << b.log;
  auto requests = page_requests(b.netlog);
  ASSERT_EQ(requests.size(), 1u) << ::testing::PrintToString(requests);
  EXPECT_NE(requests[0].find("firedrill-control.invalid"), std::string::npos);
  auto console = console_lines(b.log);
  ASSERT_EQ(console.size(), 1u) << b.log;
  EXPECT_NE(console[0].find("Uncaught ReferenceError"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace firedrill
