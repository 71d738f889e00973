// Tests of the harness's HTTP layer (net/http.h): HttpServer and HttpClient against each other
// over real loopback sockets (port 0), a raw socket for bytes no well-behaved client sends, and
// the pure helpers. Each test runs one io_context with a bounded run_for, so a bug shows up as a
// failed expectation rather than a hung test binary.
#include "net/http.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Outcome = HttpResult::Outcome;

constexpr auto kRunMsMax = 5000ms;  // a hung test fails after this instead of hanging

// Runs `io` until it runs out of work; false if it still had work after kRunMsMax.
bool run_to_completion(asio::io_context& io) {
  io.run_for(kRunMsMax);
  return io.stopped();
}

// Answers with a JSON description of the request, so tests can check what the server saw.
void echo(HttpRequest&& request, Respond respond) {
  json::object out;
  out["method"] = request.method;
  out["target"] = request.target;
  out["body"] = request.body;
  out["host"] = request.header("host").value_or("");
  out["user_agent"] = request.header("user-agent").value_or("");
  out["content_type"] = request.header("content-type").value_or("");
  respond(HttpResponse{200, json::serialize(out)});
}

// A server on 127.0.0.1 with a free port.
std::unique_ptr<HttpServer> start_server(asio::io_context& io, HttpHandler handler,
                                         HttpServerLimits limits = {}) {
  auto server = std::make_unique<HttpServer>(io, std::move(handler), limits);
  const Status status = server->listen("127.0.0.1", 0);
  EXPECT_TRUE(status.is_ok()) << status.message();
  EXPECT_NE(server->port(), 0);
  return server;
}

// Sends one request from a fresh client, then closes the client and stops the server, and runs
// `io` until both are done; the result, or nothing when no answer came.
// One request to `host` on a fresh client; the server stops once the answer is in.
std::optional<HttpResult> request_once_to(asio::io_context& io, const std::string& host, HttpServer& server,
                                          const std::string& method, const std::string& target,
                                          const std::string& body = "",
                                          std::chrono::milliseconds timeout = 1000ms) {
  HttpClient client(io, host, server.port());
  std::optional<HttpResult> got;
  client.request(method, target, body, timeout, [&](HttpResult result) {
    got = std::move(result);
    client.close();
    server.stop();
  });
  EXPECT_TRUE(run_to_completion(io));
  return got;
}

std::optional<HttpResult> request_once(asio::io_context& io, HttpServer& server,
                                       const std::string& method, const std::string& target,
                                       const std::string& body = "",
                                       std::chrono::milliseconds timeout = 1000ms) {
  return request_once_to(io, "127.0.0.1", server, method, target, body, timeout);
}

// Sends `data` on a fresh connection and hands over everything received until the server closes.
void raw_exchange(asio::io_context& io, uint16_t port, std::string data,
                  std::function<void(std::string)> done) {
  struct State {
    explicit State(asio::io_context& context) : socket(context) {}
    tcp::socket socket;
    std::string out;
    std::string in;
  };
  auto state = std::make_shared<State>(io);
  state->out = std::move(data);
  state->socket.async_connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
      [state, done](boost::system::error_code ec) {
        if (ec) return done("connect: " + ec.message());
        asio::async_write(state->socket, asio::buffer(state->out),
                          [state, done](boost::system::error_code write_ec, std::size_t) {
                            if (write_ec) return done("write: " + write_ec.message());
                            // Reads until EOF (or reset): the server must close after these
                            // requests.
                            asio::async_read(state->socket, asio::dynamic_buffer(state->in),
                                             [state, done](boost::system::error_code, std::size_t) {
                                               done(state->in);
                                             });
                          });
      });
}

TEST(HttpUtil, RequestAccessors) {
  HttpRequest request;
  request.target = "/v1/accounts/acct-1?limit=10&flag&cursor=abc#frag";
  request.headers["idempotency-key"] = "k-1";
  EXPECT_EQ(request.path(), "/v1/accounts/acct-1");
  EXPECT_EQ(request.query("limit"), "10");
  EXPECT_EQ(request.query("cursor"), "abc");
  EXPECT_EQ(request.query("flag"), "");
  EXPECT_EQ(request.query("lim"), std::nullopt);
  EXPECT_EQ(request.header("idempotency-key"), "k-1");
  EXPECT_EQ(request.header("missing"), std::nullopt);

  request.target = "/plain";
  EXPECT_EQ(request.path(), "/plain");
  EXPECT_EQ(request.query("limit"), std::nullopt);
}

TEST(HttpUtil, ParseHostPort) {
  using HostPort = std::pair<std::string, uint16_t>;
  EXPECT_EQ(*parse_host_port("127.0.0.1:7001"), HostPort("127.0.0.1", 7001));
  EXPECT_EQ(*parse_host_port("localhost:80"), HostPort("localhost", 80));
  EXPECT_EQ(*parse_host_port("http://127.0.0.1:7001/anything"), HostPort("127.0.0.1", 7001));
  EXPECT_EQ(*parse_host_port("http://ledger-1:9000"), HostPort("ledger-1", 9000));
  EXPECT_EQ(*parse_host_port("[::1]:8080"), HostPort("::1", 8080));

  const auto no_port = parse_host_port("abc");
  ASSERT_FALSE(no_port.is_ok());
  EXPECT_EQ(no_port.status().message(), "address 'abc': expected host:port");
  EXPECT_FALSE(parse_host_port(":80").is_ok());
  EXPECT_FALSE(parse_host_port("").is_ok());
  EXPECT_FALSE(parse_host_port("host:").is_ok());
  EXPECT_FALSE(parse_host_port("host:http").is_ok());
  EXPECT_FALSE(parse_host_port("host:65536").is_ok());
  EXPECT_FALSE(parse_host_port("host:80x").is_ok());
  EXPECT_EQ(parse_host_port("host:99999").status().message(),
            "address 'host:99999': bad port '99999'");
}

TEST(HttpUtil, Reason) {
  EXPECT_STREQ(http_reason(200), "OK");
  EXPECT_STREQ(http_reason(201), "Created");
  EXPECT_STREQ(http_reason(413), "Payload Too Large");
  EXPECT_STREQ(http_reason(431), "Request Header Fields Too Large");
  EXPECT_STREQ(http_reason(507), "Insufficient Storage");
  EXPECT_STREQ(http_reason(299), "Unknown");
}

// The server takes one connection only, so 200 sequential requests succeed only if the client
// keeps reusing its one keep-alive connection.
TEST(Http, EchoRoundTripReusesKeepAliveConnection) {
  asio::io_context io;
  HttpServerLimits limits;
  limits.connections_max = 1;
  auto server = start_server(io, echo, limits);
  HttpClient client(io, "127.0.0.1", server->port(), /*connections_max=*/4);

  constexpr int kRequests = 200;
  int completed = 0;
  std::function<void(int)> send_next = [&](int i) {
    const std::string body = R"({"n":)" + std::to_string(i) + "}";
    client.request("POST", "/echo?i=" + std::to_string(i), body, 1000ms,
                   [&, i, body](HttpResult result) {
                     ASSERT_TRUE(result.ok()) << "request " << i << ": " << result.error;
                     EXPECT_EQ(result.status, 200);
                     const json::object seen = json::parse(result.body).as_object();
                     const auto field = [&seen](const char* key) {
                       return json::value_to<std::string>(seen.at(key));
                     };
                     EXPECT_EQ(field("method"), "POST");
                     EXPECT_EQ(field("target"), "/echo?i=" + std::to_string(i));
                     EXPECT_EQ(field("body"), body);
                     EXPECT_EQ(field("host"), "127.0.0.1:" + std::to_string(server->port()));
                     EXPECT_EQ(field("user_agent"), "firedrill");
                     EXPECT_EQ(field("content_type"), "application/json");
                     ++completed;
                     if (i + 1 < kRequests) {
                       send_next(i + 1);
                     } else {
                       client.close();
                       server->stop();
                     }
                   });
  };
  send_next(0);
  EXPECT_TRUE(run_to_completion(io));
  EXPECT_EQ(completed, kRequests);
}

TEST(Http, ConcurrentRequestsShareBoundedPool) {
  asio::io_context io;
  int in_flight = 0;
  int in_flight_max = 0;
  auto server = start_server(io, [&](HttpRequest&& request, Respond respond) {
    in_flight_max = std::max(in_flight_max, ++in_flight);
    // Answer a little later so that requests overlap.
    auto timer = std::make_shared<asio::steady_timer>(io, 2ms);
    timer->async_wait([&, timer, respond, body = std::move(request.body)](auto) {
      --in_flight;
      respond(HttpResponse{200, body});
    });
  });
  HttpClient client(io, "127.0.0.1", server->port(), /*connections_max=*/8);

  constexpr int kRequests = 100;
  int succeeded = 0;
  int completed = 0;
  for (int i = 0; i < kRequests; ++i) {
    client.request("POST", "/work", std::to_string(i), 2000ms, [&, i](HttpResult result) {
      EXPECT_TRUE(result.ok()) << result.error;
      EXPECT_EQ(result.body, std::to_string(i));
      if (result.ok() && result.status == 200) ++succeeded;
      if (++completed == kRequests) {
        client.close();
        server->stop();
      }
    });
  }
  EXPECT_TRUE(run_to_completion(io));
  EXPECT_EQ(succeeded, kRequests);
  EXPECT_LE(in_flight_max, 8);
  EXPECT_GT(in_flight_max, 1);
}

TEST(Http, HandlerRespondsLaterFromTimer) {
  asio::io_context io;
  auto server = start_server(io, [&](HttpRequest&&, Respond respond) {
    auto timer = std::make_shared<asio::steady_timer>(io, 50ms);
    timer->async_wait([timer, respond](auto) { respond(HttpResponse{201, R"({"id":"p-1"})"}); });
  });
  const auto start = std::chrono::steady_clock::now();
  const std::optional<HttpResult> got = request_once(io, *server, "POST", "/v1/payments", "{}");
  const std::chrono::steady_clock::duration took = std::chrono::steady_clock::now() - start;  // at least the answer's
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(got->ok()) << got->error;
  EXPECT_EQ(got->status, 201);
  EXPECT_EQ(got->body, R"({"id":"p-1"})");
  EXPECT_GE(took, 50ms);
}

TEST(Http, OversizedBodyGets413) {
  asio::io_context io;
  HttpServerLimits limits;
  limits.body_bytes_max = 1024;
  bool handler_called = false;
  auto server = start_server(
      io,
      [&](HttpRequest&&, Respond respond) {
        handler_called = true;
        respond({});
      },
      limits);
  const std::optional<HttpResult> got =
      request_once(io, *server, "POST", "/big", std::string(200 * 1024, 'x'));
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(got->ok()) << got->error;
  EXPECT_EQ(got->status, 413);
  EXPECT_EQ(json::parse(got->body),
            json::parse(R"({"error":"body_too_large","limit_bytes":1024})"));
  EXPECT_FALSE(handler_called);
}

TEST(Http, OversizedHeaderGets431) {
  asio::io_context io;
  HttpServerLimits limits;
  limits.header_bytes_max = 1024;
  auto server = start_server(io, echo, limits);
  const std::optional<HttpResult> got = request_once(io, *server, "GET", "/" + std::string(4096, 'a'));
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(got->ok()) << got->error;
  EXPECT_EQ(got->status, 431);
}

TEST(Http, MalformedRequestGets400AndServerStaysUp) {
  asio::io_context io;
  auto server = start_server(io, echo);
  HttpClient client(io, "127.0.0.1", server->port());

  std::string raw_reply;
  std::optional<HttpResult> after;
  raw_exchange(io, server->port(), "GARBAGE \x01\x02 NOT HTTP\r\n\r\n", [&](std::string reply) {
    raw_reply = std::move(reply);
    client.request("GET", "/still-up", "", 1000ms, [&](HttpResult result) {
      after = std::move(result);
      client.close();
      server->stop();
    });
  });
  EXPECT_TRUE(run_to_completion(io));
  EXPECT_EQ(raw_reply.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << raw_reply;
  EXPECT_NE(raw_reply.find(R"({"error":"bad_request"})"), std::string::npos) << raw_reply;
  ASSERT_TRUE(after.has_value());
  ASSERT_TRUE(after->ok()) << after->error;
  EXPECT_EQ(after->status, 200);
}

// Every request the server turns away itself is told to its on_rejected observer (the alert
// receiver puts it on the timeline): the 4xx sent, or 408 for a request still incomplete at the
// read deadline, whose connection is closed without an answer.
TEST(Http, RejectedRequestsAreToldToTheObserver) {
  asio::io_context io;
  HttpServerLimits limits;
  limits.body_bytes_max = 16;
  limits.read_timeout = 200ms;
  auto server = start_server(io, echo, limits);
  std::vector<std::pair<int, std::string>> rejected;
  server->on_rejected([&](int status, const std::string& reason) { rejected.emplace_back(status, reason); });

  std::vector<std::string> replies;
  raw_exchange(io, server->port(), "GARBAGE \x01 NOT HTTP\r\n\r\n", [&](std::string reply) {
    replies.push_back(std::move(reply));
    raw_exchange(io, server->port(), "POST / HTTP/1.1\r\nContent-Length: 64\r\n\r\n" + std::string(64, 'b'),
                 [&](std::string reply2) {
                   replies.push_back(std::move(reply2));
                   // Half a body, then silence: the read deadline ends it.
                   raw_exchange(io, server->port(), "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nab",
                                [&](std::string reply3) {
                                  replies.push_back(std::move(reply3));
                                  server->stop();
                                });
                 });
  });
  EXPECT_TRUE(run_to_completion(io));
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].rfind("HTTP/1.1 400", 0), 0u) << replies[0];
  EXPECT_EQ(replies[1].rfind("HTTP/1.1 413", 0), 0u) << replies[1];
  EXPECT_EQ(replies[2], "");
  ASSERT_EQ(rejected.size(), 3u);
  EXPECT_EQ(rejected[0].first, 400);
  EXPECT_EQ(rejected[0].second.rfind("malformed request", 0), 0u) << rejected[0].second;
  EXPECT_EQ(rejected[1], std::make_pair(413, std::string("body over 16 bytes")));
  EXPECT_EQ(rejected[2], std::make_pair(408, std::string("request not complete within 200 ms")));
}

TEST(Http, ConnectionCloseIsHonouredWithHeaders) {
  asio::io_context io;
  auto server = start_server(io, [](HttpRequest&&, Respond respond) {
    respond(HttpResponse{404, R"({"error":"not_found"})"});
  });

  std::string reply;
  raw_exchange(io, server->port(), "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
               [&](std::string text) {
                 reply = std::move(text);
                 server->stop();
               });
  EXPECT_TRUE(run_to_completion(io));
  EXPECT_EQ(reply.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("Server: firedrill\r\n"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Content-Type: application/json\r\n"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Content-Length: 21\r\n"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos) << reply;
}

TEST(Http, ClientTimesOutWhenHandlerNeverResponds) {
  asio::io_context io;
  std::vector<Respond> held;  // kept, never called
  auto server =
      start_server(io, [&](HttpRequest&&, Respond respond) { held.push_back(std::move(respond)); });
  HttpClient client(io, "127.0.0.1", server->port());

  std::optional<HttpResult> got;
  const auto start = std::chrono::steady_clock::now();
  client.request("POST", "/slow", "{}", 100ms, [&](HttpResult result) {
    got = std::move(result);
    client.close();
    server->stop();
  });
  EXPECT_TRUE(run_to_completion(io));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->outcome, Outcome::timeout);
  EXPECT_TRUE(got->request_sent);
  ASSERT_EQ(held.size(), 1u);
  held[0](HttpResponse{});  // after stop(): a harmless no-op
  held.clear();
}

TEST(Http, ConnectFailedToClosedPort) {
  asio::io_context io;
  uint16_t closed_port = 0;
  {
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed_port = probe.local_endpoint().port();
  }  // closed again: nothing listens there now
  HttpClient client(io, "127.0.0.1", closed_port);

  std::optional<HttpResult> got;
  client.request("GET", "/", "", 1000ms, [&](HttpResult result) { got = std::move(result); });
  EXPECT_TRUE(run_to_completion(io));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->outcome, Outcome::connect_failed) << got->error;
  EXPECT_FALSE(got->request_sent);
}

TEST(Http, ConnectByHostName) {
  asio::io_context io;
  auto server = start_server(io, echo);
  const std::optional<HttpResult> got = request_once_to(io, "localhost", *server, "GET", "/");
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->ok()) << got->error;
}

TEST(Http, AbandonedRespondClosesConnection) {
  asio::io_context io;
  auto server = start_server(io, [](HttpRequest&&, Respond) {});  // drops respond at once
  const std::optional<HttpResult> got = request_once(io, *server, "POST", "/", "{}");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->outcome, Outcome::io_error) << got->error;
  EXPECT_TRUE(got->request_sent);
}

// The server closes idle connections after 50 ms; the client still holds its connection as idle,
// finds it dead on reuse, and retries once on a fresh connection without the caller noticing.
TEST(Http, StaleKeepAliveConnectionIsRetried) {
  asio::io_context io;
  HttpServerLimits limits;
  limits.idle_timeout = 50ms;
  int handled = 0;
  auto server = start_server(
      io,
      [&](HttpRequest&& request, Respond respond) {
        ++handled;
        echo(std::move(request), std::move(respond));
      },
      limits);
  HttpClient client(io, "127.0.0.1", server->port());
  asio::steady_timer pause(io);

  std::optional<HttpResult> second;
  client.request("GET", "/1", "", 1000ms, [&](HttpResult first) {
    ASSERT_TRUE(first.ok()) << first.error;
    pause.expires_after(150ms);
    pause.async_wait([&](auto) {
      client.request("GET", "/2", "", 1000ms, [&](HttpResult result) {
        second = std::move(result);
        client.close();
        server->stop();
      });
    });
  });
  EXPECT_TRUE(run_to_completion(io));
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(second->ok()) << second->error;
  EXPECT_EQ(handled, 2);
}

TEST(Http, StopClosesConnectionsAndRunReturns) {
  asio::io_context io;
  std::vector<Respond> held;
  std::unique_ptr<HttpServer> server;
  server = start_server(io, [&](HttpRequest&&, Respond respond) {
    held.push_back(std::move(respond));
    server->stop();  // with a request in progress on an open connection
  });
  HttpClient client(io, "127.0.0.1", server->port());

  std::optional<HttpResult> got;
  client.request("POST", "/", "{}", 3000ms, [&](HttpResult result) {
    got = std::move(result);
    client.close();
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(run_to_completion(io));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->outcome, Outcome::io_error) << got->error;
  EXPECT_TRUE(got->request_sent);

  ASSERT_EQ(held.size(), 1u);
  held[0](HttpResponse{});  // after stop(): must do nothing
  io.restart();
  EXPECT_TRUE(run_to_completion(io));

  // Nothing listens any more.
  HttpClient late(io, "127.0.0.1", server->port());
  std::optional<HttpResult> refused;
  late.request("GET", "/", "", 1000ms, [&](HttpResult result) { refused = std::move(result); });
  io.restart();
  EXPECT_TRUE(run_to_completion(io));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->outcome, Outcome::connect_failed) << refused->error;
}

TEST(Http, ServerClosesConnectionsBeyondMax) {
  asio::io_context io;
  HttpServerLimits limits;
  limits.connections_max = 1;
  auto server = start_server(io, echo, limits);
  HttpClient first(io, "127.0.0.1", server->port());
  HttpClient second(io, "127.0.0.1", server->port());

  std::optional<HttpResult> refused;
  first.request("GET", "/", "", 1000ms, [&](HttpResult ok) {
    ASSERT_TRUE(ok.ok()) << ok.error;
    // `first` keeps its connection open and idle, so the server is at its limit.
    second.request("GET", "/", "", 1000ms, [&](HttpResult result) {
      refused = std::move(result);
      first.close();
      second.close();
      server->stop();
    });
  });
  EXPECT_TRUE(run_to_completion(io));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->outcome, Outcome::io_error) << refused->error;
}

TEST(Http, QueueFullAndCloseFailRequestsAsynchronously) {
  asio::io_context io;
  std::vector<Respond> held;
  auto server =
      start_server(io, [&](HttpRequest&&, Respond respond) { held.push_back(std::move(respond)); });
  HttpClient client(io, "127.0.0.1", server->port(), /*connections_max=*/1, /*queue_max=*/1);

  std::vector<std::optional<HttpResult>> got(4);
  for (int i = 0; i < 3; ++i) {
    client.request("POST", "/", "{}", 1000ms, [&, i](HttpResult result) { got[i] = result; });
  }
  EXPECT_FALSE(got[2].has_value());  // "queue full" arrives later, never inline
  asio::steady_timer later(io, 50ms);
  later.async_wait([&](auto) {
    client.close();
    client.request("GET", "/", "", 1000ms, [&](HttpResult result) { got[3] = result; });
    server->stop();
  });
  EXPECT_TRUE(run_to_completion(io));
  for (const auto& result : got) ASSERT_TRUE(result.has_value());
  EXPECT_EQ(got[0]->outcome, Outcome::io_error);  // in flight when closed
  EXPECT_TRUE(got[0]->request_sent);
  EXPECT_EQ(got[1]->outcome, Outcome::io_error);  // queued when closed
  EXPECT_FALSE(got[1]->request_sent);
  EXPECT_EQ(got[2]->outcome, Outcome::io_error);
  EXPECT_EQ(got[2]->error, "queue full");
  EXPECT_EQ(got[3]->outcome, Outcome::io_error);
  EXPECT_EQ(got[3]->error, "client closed");
  held.clear();
}

TEST(Http, ListenErrorNamesAddress) {
  asio::io_context io;
  auto first = start_server(io, echo);
  HttpServer second(io, echo);
  const Status status = second.listen("127.0.0.1", first->port());
  ASSERT_FALSE(status.is_ok());
  const std::string prefix = "listen 127.0.0.1:" + std::to_string(first->port()) + ": bind: ";
  EXPECT_EQ(status.message().rfind(prefix, 0), 0u) << status.message();
}

}  // namespace
}  // namespace firedrill
