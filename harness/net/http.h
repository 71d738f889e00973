// A small HTTP/1.1 server and client on Boost.Beast: the harness's workload, probes, final reads
// and alert receiver use it. The system under test never does: refpay has its own HTTP code, so a
// parsing bug cannot sit on both sides of the wire and hide itself.
//
// Beast and Asio stay inside http_server.cc / http_client.cc so that the programs' own files
// compile quickly; callers see plain request / response structs. Everything runs on the one
// io_context of the process (no threads), so handlers need no locking.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace boost::asio {
class io_context;
}

namespace firedrill {

// One parsed request. Header names are lower-case.
struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, e.g. "/v1/accounts/acct-1?x=y"
  std::map<std::string, std::string> headers;
  std::string body;

  // The path without the query string.
  std::string path() const;
  // The value of query parameter `name`, if present (no percent-decoding: the harness's own endpoints need none).
  std::optional<std::string> query(const std::string& name) const;
  // The header value, if present (`name` in lower case).
  std::optional<std::string> header(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers{};  // further header fields, e.g. a CSP
};

// Sends the response for one request; call it exactly once, possibly later (asynchronously).
using Respond = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest&& request, Respond respond)>;
// Told of each request the server itself turned away before any handler saw it: `status` is the
// answer sent (400, 413, 431), or 408 for a request that did not arrive within read_timeout
// (the connection is closed without an answer then); `reason` says which limit or parse step.
using HttpRejected = std::function<void(int status, const std::string& reason)>;

struct HttpServerLimits {
  std::size_t body_bytes_max = 64 * 1024;    // larger bodies get 413
  std::size_t header_bytes_max = 16 * 1024;  // larger headers get 431
  std::chrono::milliseconds read_timeout{10'000};  // a started request must arrive within this
  std::chrono::milliseconds idle_timeout{120'000};  // keep-alive connections idle longer are closed
  std::size_t connections_max = 4096;               // further connections are closed at once
};

// Accepts connections on one address and calls the handler for each request, one request at a
// time per connection (keep-alive, no pipelining). Thread-compatible: use from the io_context.
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpHandler handler, HttpServerLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens on host:port (port 0 picks a free one) and starts accepting.
  Status listen(const std::string& host, uint16_t port);
  // Serves a socket already bound and listening (net/listening_socket.h); takes the descriptor.
  Status serve(int listening_fd);
  // The bound port (after listen).
  uint16_t port() const;
  // Stops accepting and closes every open connection.
  void stop();
  // Sets who is told of rejected requests (none by default), e.g. to put them on a timeline.
  void on_rejected(HttpRejected observer);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// What happened to one client request.
struct HttpResult {
  enum class Outcome {
    ok,              // a response arrived (any status)
    connect_failed,  // no connection could be made: the request was certainly not delivered
    timeout,         // the deadline passed
    io_error,        // the connection broke
  };
  Outcome outcome = Outcome::ok;
  // True once any byte of the request may have reached the server; with outcome != ok this
  // means the server may have acted on it (an "unknown" outcome for a payment).
  bool request_sent = false;
  int status = 0;
  std::string body;
  std::string error;  // why, when outcome != ok

  bool ok() const { return outcome == Outcome::ok; }
};

// A keep-alive connection pool to one host:port. Requests beyond `connections_max` in flight
// wait in a bounded queue (further ones fail at once with io_error "queue full").
// Thread-compatible: use from the io_context. Callbacks run on the io_context.
class HttpClient {
 public:
  HttpClient(boost::asio::io_context& io, std::string host, uint16_t port,
             std::size_t connections_max = 64, std::size_t queue_max = 4096);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request with a deadline covering queueing, connect, write and read.
  // `done` is called exactly once.
  void request(const std::string& method, const std::string& target, std::string body,
               std::chrono::milliseconds timeout, std::function<void(HttpResult)> done);
  // Closes idle connections and fails queued requests; in-flight ones complete with io_error.
  void close();

  const std::string& host() const;
  uint16_t port() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Splits "host:port" (or "http://host:port[/...]"); the error names the text.
Result<std::pair<std::string, uint16_t>> parse_host_port(const std::string& text);

// The reason phrase for a status code ("Created" for 201).
const char* http_reason(int status);

}  // namespace firedrill
