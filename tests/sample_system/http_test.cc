// Tests of refpay's own HTTP server and client (sample-system/http/): requests as the harness sends
// them (keep-alive, Content-Length bodies) and the ones a server must refuse, written as raw bytes
// on a socket so that no HTTP code of ours sits on the other side; and the client's outcomes.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <stdexcept>
#include <thread>

#include "http/address.h"
#include "http/client.h"
#include "http/server.h"
#include "sample_system/server_thread.h"

namespace refpay::testing {
namespace {

using tcp = boost::asio::ip::tcp;

// Writes `bytes` on a fresh connection and returns all the server sends until it closes.
std::string raw_exchange(uint16_t port, const std::string& bytes) {
  boost::asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  boost::asio::write(socket, boost::asio::buffer(bytes));
  std::string received;
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::dynamic_buffer(received), ec);
  return received;
}

// Sends one request with `client` and runs `io` until it is answered.
HttpResult call(boost::asio::io_context& io, HttpClient& client, const std::string& target,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
  HttpResult result;
  client.request("GET", target, "", timeout, [&](HttpResult r) { result = std::move(r); });
  io.restart();
  io.run();
  return result;
}

HttpHandler echo() {
  return [](HttpRequest&& request, Respond respond) {
    if (request.path() == "/throw") throw std::runtime_error("handler bug");
    if (request.path() == "/drop") return;  // never answers
    if (request.path() == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(300));
    respond(HttpResponse{200, request.method + " " + request.path() + " a=" + request.query("a").value_or("-") +
                                  " k=" + request.header("x-key").value_or("-") + " body=" + request.body,
                         "text/plain"});
  };
}

TEST(RefpayHttpServer, ServesKeptAliveRequestsInTurnOnOneConnection) {
  ServerThread server(echo());
  std::string out = raw_exchange(server.port(),
                                 "POST /v1/x?a=1&b=2 HTTP/1.1\r\nHost: h\r\nX-Key: k1\r\nContent-Length: 3\r\n\r\nabc"
                                 "GET /y HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("POST /v1/x a=1 k=k1 body=abc"), std::string::npos) << out;
  EXPECT_NE(out.find("GET /y a=- k=- body="), std::string::npos) << out;
  EXPECT_NE(out.find("Server: refpay"), std::string::npos) << out;
}

TEST(RefpayHttpServer, RefusesOversizedAndMalformedRequestsWithTheirStatus) {
  ServerThread server(echo(), HttpServerLimits{.body_bytes_max = 16, .header_bytes_max = 256});
  std::string big_body = raw_exchange(server.port(), "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n" +
                                                         std::string(17, 'x'));
  EXPECT_EQ(big_body.rfind("HTTP/1.1 413 ", 0), 0U) << big_body;
  EXPECT_NE(big_body.find(R"({"error":"body_too_large","limit_bytes":16})"), std::string::npos);
  std::string big_header = raw_exchange(server.port(), "GET / HTTP/1.1\r\nX-Pad: " + std::string(400, 'p') + "\r\n\r\n");
  EXPECT_EQ(big_header.rfind("HTTP/1.1 431 ", 0), 0U) << big_header;
  std::string garbage = raw_exchange(server.port(), "NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(garbage.rfind("HTTP/1.1 400 ", 0), 0U) << garbage;
  EXPECT_NE(garbage.find(R"({"error":"bad_request"})"), std::string::npos);
}

TEST(RefpayHttpServer, AThrowingHandlerGets500AndADroppedRespondClosesTheConnection) {
  ServerThread server(echo());
  std::string thrown = raw_exchange(server.port(), "GET /throw HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(thrown.rfind("HTTP/1.1 500 ", 0), 0U) << thrown;
  EXPECT_EQ(raw_exchange(server.port(), "GET /drop HTTP/1.1\r\n\r\n"), "");
}

TEST(RefpayHttpServer, HeadGetsTheContentLengthWithoutTheBody) {
  ServerThread server(echo());
  std::string out = raw_exchange(server.port(), "HEAD /h HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find("Content-Length: 21\r\n"), std::string::npos) << out;
  EXPECT_EQ(out.substr(out.find("\r\n\r\n") + 4), "");
}

TEST(RefpayHttpClient, AnswersAndOutcomesSayWhetherTheRequestWasSent) {
  ServerThread server(echo());
  boost::asio::io_context io;
  HttpClient client(io, "127.0.0.1", server.port());
  HttpResult ok = call(io, client, "/v1/z?a=9");
  EXPECT_TRUE(ok.ok()) << ok.error;
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "GET /v1/z a=9 k=- body=");
  HttpResult late = call(io, client, "/slow", std::chrono::milliseconds(100));
  EXPECT_EQ(late.outcome, HttpResult::Outcome::timeout);
  EXPECT_TRUE(late.request_sent);

  uint16_t closed_port = 0;
  {
    ServerThread gone(echo());
    closed_port = gone.port();
  }
  HttpClient nobody(io, "127.0.0.1", closed_port);
  HttpResult refused = call(io, nobody, "/");
  EXPECT_EQ(refused.outcome, HttpResult::Outcome::connect_failed) << refused.error;
  EXPECT_FALSE(refused.request_sent);
}

TEST(RefpayHttpClient, SendsAgainOnceWhenTheServerClosedAKeptAliveConnection) {
  ServerThread server(echo(), HttpServerLimits{.idle_timeout = std::chrono::milliseconds(50)});
  boost::asio::io_context io;
  HttpClient client(io, "127.0.0.1", server.port());
  EXPECT_TRUE(call(io, client, "/one").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the server closes it meanwhile
  HttpResult again = call(io, client, "/two");
  EXPECT_TRUE(again.ok()) << again.error;
  EXPECT_EQ(again.status, 200);
}

TEST(RefpayHttpClient, AClosedClientAnswersEveryRequestClientClosed) {
  boost::asio::io_context io;
  HttpClient client(io, "127.0.0.1", 9);
  client.close();
  HttpResult result = call(io, client, "/");
  EXPECT_EQ(result.outcome, HttpResult::Outcome::io_error);
  EXPECT_EQ(result.error, "client closed");
}

TEST(RefpayHostPort, ReadsTheFormsConfigsUseAndNamesTheTextWhenItCannot) {
  auto plain = parse_host_port("127.0.0.1:7001");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, 7001);
  auto url = parse_host_port("http://ledger-1:80/v1/x");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "ledger-1");
  auto v6 = parse_host_port("[::1]:8080");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  for (const char* bad : {"nohost", ":80", "h:", "h:65536", "h:8x", "::1:80", "ftp://h:1"}) {
    auto parsed = parse_host_port(bad);
    EXPECT_FALSE(parsed) << bad;
    if (!parsed) {
      EXPECT_NE(parsed.status().message().find(bad), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace refpay::testing
