// refpay's HTTP/1.1 server, on Boost.Beast: the ledger, the gateway and the arbiter each serve
// their JSON API through one.
//
// refpay has its own HTTP code, apart from the harness that drills it, so that a parsing bug
// cannot sit on both sides of the wire and hide itself: what refpay accepts and answers is checked
// by a different implementation (the harness's workload and probes) on every drill.
//
// Keep-alive connections carry one request at a time. Every socket operation has a deadline and
// every request a size limit (HttpServerLimits). Single-threaded: use it, and let it call its
// handler, on the process's one io_context.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "http/message.h"

namespace boost::asio {
class io_context;
}

namespace refpay {

struct HttpServerLimits {
  std::size_t body_bytes_max = 64 * 1024;    // a larger body is answered 413
  std::size_t header_bytes_max = 16 * 1024;  // larger headers are answered 431
  // A request must arrive whole, and a response be taken, within this.
  std::chrono::milliseconds request_timeout{10'000};
  // A keep-alive connection with no request for this long is closed.
  std::chrono::milliseconds idle_timeout{120'000};
  std::size_t connections_max = 4096;  // a connection beyond this is closed at once
};

class HttpServerState;

// Serves one listening address. Malformed requests get 400, over-limit ones 413 or 431, and a
// handler that throws gets its request a 500; none of these reach or stop the process.
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpHandler handler, HttpServerLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Listens on host:port (port 0: any free port) and starts accepting connections.
  Status listen(const std::string& host, uint16_t port);
  // The port listened on (after listen()).
  uint16_t port() const;
  // Stops accepting and closes every connection; answers still owed are dropped.
  void stop();

 private:
  std::shared_ptr<HttpServerState> state_;
};

}  // namespace refpay
