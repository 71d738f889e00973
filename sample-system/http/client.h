// refpay's HTTP/1.1 client, on Boost.Beast: the gateway's requests to the ledgers, the standbys'
// replication pulls, the arbiter's heartbeats, commands and alert posts, and the local tools' load.
// refpay's own, apart from the harness's (server.h says why).
//
// An HttpClient is a pool of keep-alive connections to one host:port. Each request has one
// deadline that covers its wait for a connection, the connect, the write and the read.
// Single-threaded: use it, and expect its callbacks, on the process's one io_context.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace refpay {

// How one request ended.
struct HttpResult {
  enum class Outcome {
    ok,              // an answer arrived (whatever its status)
    connect_failed,  // no connection could be made: the request was certainly not delivered
    timeout,         // the deadline passed first
    io_error,        // the connection failed, or the client was closed
  };
  Outcome outcome = Outcome::ok;
  // True once any byte of the request may have reached the server. A failure after that may have
  // been acted on (for a payment: the outcome is unknown).
  bool request_sent = false;
  int status = 0;
  std::string body;
  std::string error;  // why, when outcome is not ok

  bool ok() const { return outcome == Outcome::ok; }
};

class HttpClientPool;

class HttpClient {
 public:
  // Up to `connections_max` requests run at once; up to `queue_max` more wait their turn, and
  // beyond that a request fails at once ("queue full").
  HttpClient(boost::asio::io_context& io, std::string host, uint16_t port,
             std::size_t connections_max = 64, std::size_t queue_max = 4096);
  // Closes the client (close()).
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request (a non-empty body goes as application/json). `done` is called exactly once,
  // later, from the io_context, never from within request().
  void request(const std::string& method, const std::string& target, std::string body,
               std::chrono::milliseconds timeout, std::function<void(HttpResult)> done);
  // Fails every waiting and running request with io_error "client closed" and closes every
  // connection; later requests fail the same way.
  void close();

 private:
  std::shared_ptr<HttpClientPool> pool_;
};

}  // namespace refpay
