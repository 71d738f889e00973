// The live server over real HTTP on loopback, following a timeline file written by the test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "live/live_server.h"
#include "testing/devtools.h"

namespace firedrill {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using testing::http_exchange;

struct LiveServerTest : ::testing::Test {
  void SetUp() override {
    dir = fs::temp_directory_path() / ("live-server-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir + "/run.json") << R"({"phases":{"baseline_ms":1000,"fault_phase_ms":2000,"convergence_ms":1000},"nodes":[{"name":"n1"}]})";
    timeline.open(dir + "/timeline.jsonl");
    append(R"({"seq":0,"t_ns":5,"source":"harness","kind":"phase","phase":"baseline","prev":"0"})");
    auto socket = open_listening_socket("127.0.0.1", 0);
    ASSERT_TRUE(socket) << socket.status().message();
    port = socket->port();
    server = std::make_unique<LiveServer>(std::move(*socket), LiveOptions{dir, "a <drill>", token, [this](const std::string&) {
                                                                             ++stops;
                                                                             return LiveStopAnswer::stopping;
                                                                           }});
  }
  void TearDown() override {
    server.reset();
    fs::remove_all(dir);
  }
  void append(const std::string& line) { timeline << line << "\n" << std::flush; }
  json::object events(const std::string& query) {
    auto r = http_exchange(port, "GET", "/events?" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? json::parse(r.body).as_object() : json::object{};
  }
  testing::PlainResponse stop(const std::string& token_text) {
    return http_exchange(port, "POST", "/stop", "{\"token\":\"" + token_text + "\"}", {{"Content-Type", "application/json"}});
  }

  std::string dir;
  std::ofstream timeline;
  StopToken token = StopToken::generate();
  std::atomic<int> stops{0};
  uint16_t port = 0;
  std::unique_ptr<LiveServer> server;
};

TEST_F(LiveServerTest, ServesThePageWithoutExternalAssetsAndEscapesTheName) {
  auto page = http_exchange(port, "GET", "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("default-src 'none'; script-src 'self'"), std::string::npos);
  EXPECT_NE(page.body.find("a &lt;drill&gt;"), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), std::string::npos) << "no external asset";
  EXPECT_EQ(page.body.find("https://"), std::string::npos) << "no external asset";
  EXPECT_EQ(http_exchange(port, "GET", "/live.js").status, 200);
  EXPECT_EQ(http_exchange(port, "GET", "/nothing").status, 404);
  EXPECT_EQ(http_exchange(port, "GET", "/", "", {{"Host", "attacker.example:80"}}).status, 403);
}

TEST_F(LiveServerTest, ALongPollIsAnsweredWhenTheTimelineGrows) {
  json::object first = events("after=0&chart=0&event=0");
  ASSERT_TRUE(first.contains("version"));
  const int64_t version = first.at("version").as_int64();
  std::thread writer([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    append(R"({"seq":1,"t_ns":7,"source":"harness","kind":"phase","phase":"faults","prev":"1"})");
  });
  const auto started = std::chrono::steady_clock::now();
  json::object next = events("after=" + std::to_string(version) + "&chart=0&event=0");
  writer.join();
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500)) << "held until news";
  EXPECT_GT(next.at("version").as_int64(), version);
  EXPECT_EQ(next.at("phase"), "faults");
}

TEST_F(LiveServerTest, OnlyTheTokenStopsAsJsonFromThisPageAndGuessingIsSlowedDown) {
  EXPECT_EQ(http_exchange(port, "GET", "/stop").status, 405);
  const std::string body = "{\"token\":\"" + token.text() + "\"}";
  EXPECT_EQ(http_exchange(port, "POST", "/stop", body, {{"Content-Type", "application/json"}, {"Origin", "http://evil.example"}}).status,
            403);
  EXPECT_EQ(http_exchange(port, "POST", "/stop", body, {{"Content-Type", "text/plain"}}).status, 415);
  EXPECT_EQ(stops.load(), 0);
  EXPECT_EQ(stop("wrong").status, 403);
  EXPECT_EQ(stop(token.text()).status, 429) << "within a second of a wrong token";
  std::this_thread::sleep_for(std::chrono::milliseconds(1'100));
  EXPECT_EQ(stop(token.text()).status, 202);
  EXPECT_EQ(stops.load(), 1);
}

TEST_F(LiveServerTest, OnLoopbackOnlyLoopbackHostsAreServed) {
  for (const char* host : {"127.0.0.1.evil.example:80", "127.evil.example", "attacker.example", "[::2]:80"}) {
    EXPECT_EQ(http_exchange(port, "GET", "/", "", {{"Host", host}}).status, 403) << host;
  }
  for (const char* host : {"127.0.0.1:1", "127.1.2.3", "localhost:8080", "[::1]:80"}) {
    EXPECT_EQ(http_exchange(port, "GET", "/", "", {{"Host", host}}).status, 200) << host;
  }
}

TEST_F(LiveServerTest, AfterTheVerdictAPollWithNothingNewIsHeld) {
  server->finish(json::object{{"verdict", "pass"}}, json::object{}, json::object{});
  json::object last;
  for (int i = 0; i < 50 && !last.contains("final"); ++i) last = events("after=0&chart=0&event=0");
  ASSERT_TRUE(last.contains("final"));
  std::thread writer([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    append(R"({"seq":1,"t_ns":9,"source":"harness","kind":"phase","phase":"lab_down","prev":"1"})");
  });
  const auto started = std::chrono::steady_clock::now();
  events("after=" + std::to_string(last.at("version").as_int64()) + "&chart=" +
         std::to_string(last.at("chart_version").as_int64()) + "&event=99");
  writer.join();
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(400)) << "no busy loop after the end";
}

TEST_F(LiveServerTest, TheEndShowsTheVerdictTheReportsAndTheReportsChart) {
  EXPECT_EQ(http_exchange(port, "GET", "/report/report.json").status, 404) << "not before the end";
  std::ofstream(dir + "/report.json") << R"({"verdict":"pass"})";
  json::object report{{"verdict", "pass"}, {"faults", json::array{}}};
  server->finish(report, json::object{}, json::object{});
  json::object last;
  for (int i = 0; i < 50 && !last.contains("final"); ++i) {
    last = events("after=0&chart=0&event=0");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(last.contains("final"));
  EXPECT_EQ(last.at("final").at("verdict"), "pass");
  EXPECT_NE(std::string(last.at("final").at("banner").as_string()).find("verdict-pass"), std::string::npos);
  EXPECT_NE(std::string(last.at("chart").as_string()).find("<svg id=\"timeline\""), std::string::npos);
  EXPECT_EQ(http_exchange(port, "GET", "/report/report.json").body, R"({"verdict":"pass"})");
  EXPECT_EQ(http_exchange(port, "GET", "/report/../run.json").status, 404);
}

}  // namespace
}  // namespace firedrill
