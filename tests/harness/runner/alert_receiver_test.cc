// Tests of the Alertmanager webhook receiver (harness/runner/alert_receiver.h) over a real
// loopback socket: what an SRE's Alertmanager posts lands on the timeline, and every request it
// turns away (not webhook JSON, too large, malformed HTTP) is answered with its 4xx and leaves an
// "alert_rejected" record, so that a drill whose alerts never arrived says why.
#include "runner/alert_receiver.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "timeline/timeline.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;

// A receiver on 127.0.0.1 with a free port, its io_context on a thread of its own, recording to
// a fresh timeline.
class ReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("alert_receiver_test_" + std::to_string(::getpid()) + ".jsonl");
    auto timeline = Timeline::create(path_.string());
    ASSERT_TRUE(timeline.is_ok()) << timeline.status().message();
    timeline_ = std::move(*timeline);
    receiver_ = std::make_unique<AlertReceiver>(io_, *timeline_);
    const Status listening = receiver_->listen("127.0.0.1", 0);
    ASSERT_TRUE(listening.is_ok()) << listening.message();
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    asio::post(io_, [this] { receiver_->stop(); });
    work_.reset();
    if (thread_.joinable()) thread_.join();
    std::filesystem::remove(path_);
  }

  // Sends `bytes` on a fresh connection; everything the receiver answered until it closed.
  std::string exchange(const std::string& bytes) {
    asio::io_context client;
    tcp::socket socket(client);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), receiver_->port()));
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(bytes), ec);  // the server may stop reading a huge body
    std::string reply;
    asio::read(socket, asio::dynamic_buffer(reply), ec);  // until EOF
    return reply;
  }

  static std::string post(const std::string& body) {
    return "POST /alerts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  // The timeline's records of source "alertmanager".
  std::vector<json::object> alert_records() const {
    std::vector<json::object> out;
    std::ifstream in(path_);
    for (std::string line; std::getline(in, line);) {
      json::object record = json::parse(line).as_object();
      if (record.at("source") == "alertmanager") out.push_back(record);
    }
    return out;
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::filesystem::path path_;
  std::unique_ptr<Timeline> timeline_;
  std::unique_ptr<AlertReceiver> receiver_;
  std::thread thread_;
};

TEST_F(ReceiverTest, EachAlertOfAWebhookIsRecorded) {
  std::string reply = exchange(post(R"({"version":"4","alerts":[
      {"status":"firing","labels":{"alertname":"LedgerPrimaryDown","node":"ledger-1"}},
      {"status":"resolved","labels":{"alertname":"ReplicationLag"}}]})"));
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  auto records = alert_records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].at("kind"), "alert");
  EXPECT_EQ(records[0].at("status"), "firing");
  EXPECT_EQ(records[0].at("alertname"), "LedgerPrimaryDown");
  EXPECT_EQ(records[0].at("labels").at("node"), "ledger-1");
  EXPECT_EQ(records[1].at("status"), "resolved");
}

TEST_F(ReceiverTest, EveryRequestTurnedAwayGetsItsStatusAndARecord) {
  struct Case {
    std::string request;
    int status;
    const char* error;  // in the record's "error"
  };
  const std::vector<Case> cases = {
      {post("{not json"), 400, "not Alertmanager webhook JSON"},
      {post(R"({"alerts":{}})"), 400, "not Alertmanager webhook JSON"},
      {"GET /alerts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405, nullptr},
      {post(std::string(2 << 20, ' ')), 413, "body over 1048576 bytes"},
      {"POST /alerts HTTP/1.1\r\nX-Big: " + std::string(32 * 1024, 'h') + "\r\n\r\n", 431,
       "header over"},
      {"GARBAGE \x01\x02 NOT HTTP\r\n\r\n", 400, "malformed request"},
  };
  size_t expected_records = 0;
  for (const Case& c : cases) {
    std::string reply = exchange(c.request);
    EXPECT_EQ(reply.rfind("HTTP/1.1 " + std::to_string(c.status), 0), 0u)
        << c.request.substr(0, 60) << " → " << reply.substr(0, 80);
    auto records = alert_records();
    if (c.error == nullptr) {  // a wrong method is the sender's bug, not an alert gone missing
      EXPECT_EQ(records.size(), expected_records);
      continue;
    }
    ASSERT_EQ(records.size(), ++expected_records) << c.request.substr(0, 60);
    const json::object& r = records.back();
    EXPECT_EQ(r.at("kind"), "alert_rejected");
    EXPECT_EQ(r.at("status").as_int64(), c.status);
    EXPECT_NE(std::string(r.at("error").as_string()).find(c.error), std::string::npos) << r;
  }
  // Still serving.
  EXPECT_EQ(exchange(post(R"({"alerts":[]})")).rfind("HTTP/1.1 200", 0), 0u);
}

}  // namespace
}  // namespace firedrill
