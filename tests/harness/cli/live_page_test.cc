// `firedrill run --live` in a real browser: headless Chromium (Debian's `chromium`, driven over
// the DevTools protocol: tests/testing/devtools.h) watches a real drill on refpay.
//
// 1. The chart, its fault window and T0 mark appear while the drill is in its fault phase (no
//    verdict yet); a page opened late catches up from the first event; at the end the page shows the
//    verdict of report.json, links to the reports, and the chart report.html draws, element for
//    element, and loads nothing from anywhere but its own origin.
// 2. The stop button: a wrong token is refused and changes nothing, a request from another origin
//    is refused, the right token stops the drill as SIGINT does: exit 4, every applied fault
//    reverted, nothing left behind.
//
// FIREDRILL_LIVE_SCREENSHOT=PATH saves a PNG of the page during the drill (the README's).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>

#include "harness/cli/run_fixture.h"
#include "testing/devtools.h"
#include "testing/prerequisite.h"

namespace firedrill::testing {
namespace {

// What `firedrill run --live` printed: the page's address and the stop token.
struct LiveAddress {
  std::string url;
  uint16_t port = 0;
  std::string token;
};

// Waits (30 s at most) until the run's log names the page and the token.
bool wait_for_live_address(const std::string& out, LiveAddress& live) {
  static const std::regex url("live page: (http://127\\.0\\.0\\.1:([0-9]+)/)"), token("live page stop token: ([0-9a-f]{32})");
  const auto deadline = Clock::now() + milliseconds(30'000);
  while (Clock::now() < deadline) {
    const std::string log = text_of(out + ".log");
    std::smatch u, t;
    if (std::regex_search(log, u, url) && std::regex_search(log, t, token)) {
      live = {u[1].str(), static_cast<uint16_t>(std::stoi(u[2].str())), t[1].str()};
      return true;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

std::string profile_dir(const std::string& parent) {
  const std::string dir = parent + "/chromium";
  fs::create_directories(dir);
  return dir;
}

int count(DevToolsPage& page, const std::string& selector) {
  json::value v = page.evaluate("document.querySelectorAll('" + selector + "').length");
  return v.is_int64() ? static_cast<int>(v.as_int64()) : -1;
}

void save_screenshot(DevToolsPage& page) {
  const char* path = std::getenv("FIREDRILL_LIVE_SCREENSHOT");
  if (!path) return;
  std::string base64 = page.screenshot_png_base64();
  std::string png(boost::beast::detail::base64::decoded_size(base64.size()), '\0');
  auto [written, read] = boost::beast::detail::base64::decode(png.data(), base64.data(), base64.size());
  png.resize(written);
  std::ofstream(path, std::ios::binary) << png;
}

// The #timeline SVG of report.html as the browser parses it, beside the live page's.
constexpr const char* kSameChartAsReport = R"js(
fetch('/report/report.html').then(r => r.text()).then(html => {
  const report = new DOMParser().parseFromString(html, 'text/html').getElementById('timeline');
  const live = document.getElementById('timeline');
  return !!report && !!live && report.outerHTML === live.outerHTML;
}))js";

TEST(LivePage, ShowsTheChartAndFaultMarksWhileTheDrillRunsAndTheVerdictAtTheEnd) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");
  FIREDRILL_REQUIRE(fs::exists(HeadlessChromium::kPath), "headless Chromium at /usr/bin/chromium (apt-get install chromium)");
  const std::string dir = make_temp_dir(), out = dir + "/run";
  // The browser first: on a loaded machine its start must not eat into the drill.
  HeadlessChromium chromium(profile_dir(dir));
  ASSERT_TRUE(chromium.started()) << chromium.log();
  const pid_t pid = start_run((kSource / "tests/data/scenarios/primary_kill_short.toml").string(), out, -1,
                              {"--live", "--live-linger", "120"});
  LiveAddress live;
  ASSERT_TRUE(wait_for_live_address(out, live)) << text_of(out + ".log");
  auto page = chromium.open(live.url);

  // While the drill is in its fault phase: the chart with its series, the fault's window and its
  // T0 mark, and the fault's row.
  ASSERT_TRUE(page->wait_until("document.body.getAttribute('data-phase') === 'faults' && "
                               "document.getElementById('final').getAttribute('data-verdict') === null && "
                               "document.querySelectorAll('#timeline .fault-window').length >= 1 && "
                               "document.querySelectorAll('#timeline .marker.t0').length >= 1 && "
                               "document.querySelector('#timeline .series.ok').getAttribute('d').length > 0",
                               milliseconds(60'000)))
      << text_of(out + ".log");
  EXPECT_TRUE(page->evaluate("['in effect', 'reverting', 'reverted'].includes("
                             "document.querySelector('#faults tbody tr td:nth-child(4)').textContent)")
                  .as_bool());
  save_screenshot(*page);
  // Offline by design: everything the page loaded came from its own origin.
  EXPECT_TRUE(page->evaluate("performance.getEntriesByType('resource').every(e => e.name.startsWith(location.origin)) && "
                             "performance.getEntriesByType('resource').length >= 2")
                  .as_bool());

  // A page opened late catches up from the start, beside the first.
  auto late = chromium.open(live.url);
  EXPECT_TRUE(late->wait_until("[...document.querySelectorAll('#events div')].some(e => e.textContent.includes('phase baseline'))",
                               milliseconds(10'000)));
  EXPECT_TRUE(late->wait_until("[...document.querySelectorAll('#events div')].some(e => e.textContent.includes('in effect (T0)'))",
                               milliseconds(10'000)));

  // The end: the verdict of report.json, the reports, and report.html's chart.
  ASSERT_TRUE(page->wait_until("document.getElementById('final').getAttribute('data-verdict') !== null", milliseconds(90'000)))
      << text_of(out + ".log");
  const json::object report = json::parse(text_of(out + "/report.json")).as_object();
  EXPECT_EQ(page->evaluate("document.getElementById('final').getAttribute('data-verdict')"), report.at("verdict"));
  EXPECT_EQ(count(*page, "#final .verdict"), 1);
  EXPECT_EQ(count(*page, "#reports a"), 4);
  EXPECT_TRUE(page->evaluate(kSameChartAsReport).as_bool()) << "the live page's final chart is report.html's";
  EXPECT_EQ(count(*page, "#timeline .marker.detect"), count(*page, "#timeline .marker.t0"));
  EXPECT_TRUE(late->wait_until("document.getElementById('final').getAttribute('data-verdict') !== null", milliseconds(10'000)));
  EXPECT_EQ(http_exchange(live.port, "GET", "/report/report.json").body, text_of(out + "/report.json"));

  // The page lingers with the reports until Ctrl-C; the exit code is still the verdict's.
  kill(pid, SIGINT);
  const std::string verdict(report.at("verdict").as_string());
  EXPECT_EQ(wait_exit(pid, milliseconds(30'000)), verdict == "pass" ? 0 : verdict == "objectives_missed" ? 1 : 2)
      << text_of(out + ".log");
  chromium.stop();
  fs::remove_all(dir);
}

TEST(LivePage, TheStopButtonStopsTheDrillAsSigintDoes) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");
  FIREDRILL_REQUIRE(fs::exists(HeadlessChromium::kPath), "headless Chromium at /usr/bin/chromium (apt-get install chromium)");
  const std::string dir = make_temp_dir(), out = dir + "/run";
  HeadlessChromium chromium(profile_dir(dir));
  ASSERT_TRUE(chromium.started()) << chromium.log();
  const pid_t pid = start_run((kSource / "tests/data/scenarios/standby_pause_long.toml").string(), out, -1,
                              {"--live", "127.0.0.1:0", "--live-linger", "0"});
  LiveAddress live;
  ASSERT_TRUE(wait_for_live_address(out, live)) << text_of(out + ".log");
  ASSERT_TRUE(wait_for_record(out, "applied", milliseconds(30'000))) << text_of(out + ".log");
  const HostState during = host_state(out);
  auto page = chromium.open(live.url);
  ASSERT_TRUE(page->wait_until("document.querySelector('#faults tbody tr td:nth-child(4)')?.textContent === 'in effect'",
                               milliseconds(20'000)));

  auto press_stop = [&](const std::string& token) {
    page->evaluate("document.getElementById('stop-result').textContent = ''; document.getElementById('token').value = '" +
                   token + "'; document.getElementById('stop-button').click(); true");
    EXPECT_TRUE(page->wait_until("document.getElementById('stop-result').textContent.length > 0 && "
                                 "document.getElementById('stop-result').textContent !== 'sending\u2026'",
                                 milliseconds(10'000)));
    return std::string(page->evaluate("document.getElementById('stop-result').textContent").as_string());
  };
  // A wrong token, and a request from another origin with the right one: refused, and the drill goes on.
  EXPECT_NE(press_stop(std::string(32, '0')).find("wrong token"), std::string::npos);
  const std::string body = "{\"token\":\"" + live.token + "\"}";
  const std::pair<std::string, std::string> json_type{"Content-Type", "application/json"};
  EXPECT_EQ(http_exchange(live.port, "POST", "/stop", body, {json_type, {"Origin", "http://evil.example"}}).status, 403);
  EXPECT_EQ(http_exchange(live.port, "POST", "/stop", body, {json_type, {"Host", "127.0.0.1.evil.example"}}).status, 403);
  EXPECT_EQ(http_exchange(live.port, "POST", "/stop", body).status, 415) << "a cross-site form's text/plain";
  EXPECT_EQ(http_exchange(live.port, "GET", "/stop").status, 405);
  std::this_thread::sleep_for(milliseconds(1'000));
  EXPECT_FALSE(has(read_timeline(out), "abort")) << "nothing but the right token stops the drill";

  std::this_thread::sleep_for(milliseconds(1'000));  // one try a second after a wrong token
  EXPECT_NE(press_stop(live.token).find("stopping"), std::string::npos);
  EXPECT_EQ(wait_exit(pid, milliseconds(60'000)), 4) << text_of(out + ".log");
  const auto records = read_timeline(out);
  EXPECT_TRUE(has(records, "abort", [](const json::object& r) {
    return r.at("reason") == "stop from the live page";
  }));
  int applied = 0, reverted = 0;
  for (const auto& r : records) {
    if (r.at("source") != "fault") continue;
    applied += r.at("kind") == "applied";
    reverted += r.at("kind") == "reverted" && r.at("verified").as_bool();
  }
  EXPECT_GE(applied, 1);
  EXPECT_EQ(reverted, applied) << "every applied fault reverted";
  EXPECT_EQ(json::parse(text_of(out + "/report.json")).at("verdict"), "aborted");
  expect_nothing_left(during, out, milliseconds(2'000));
  chromium.stop();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace firedrill::testing
