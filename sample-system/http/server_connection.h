// The inside of an HttpServer (server.h), shared by server.cc, which accepts connections, and
// server_connection.cc, which serves each one. Not for use outside http/.
//
// Shaped like Beast's http_server_async example: a connection object owned by its pending
// operations (shared_from_this) loops read -> handler -> write, each step under a deadline of
// beast::tcp_stream.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "http/beast_names.h"
#include "http/server.h"

namespace refpay {

class ServerConnection;

// What an HttpServer and all its connections share. Connections hold it, so it outlives the
// HttpServer object until the last of them is gone.
struct HttpServerState {
  HttpServerState(asio::io_context& io_context, HttpHandler request_handler,
                  HttpServerLimits server_limits)
      : io(io_context),
        handler(std::move(request_handler)),
        limits(server_limits),
        acceptor(io_context),
        accept_pause(io_context) {}

  asio::io_context& io;
  HttpHandler handler;
  const HttpServerLimits limits;
  tcp::acceptor acceptor;
  asio::steady_timer accept_pause;  // waits out an accept error such as EMFILE
  uint16_t port = 0;
  bool stopped = false;
  // The open connections, for stop() and connections_max. Weak: what keeps a connection alive is
  // its pending operation or the Respond a handler holds.
  std::map<ServerConnection*, std::weak_ptr<ServerConnection>> connections;
};

// One accepted connection. Its requests are served one after the other.
class ServerConnection : public std::enable_shared_from_this<ServerConnection> {
 public:
  ServerConnection(std::shared_ptr<HttpServerState> server, tcp::socket socket);
  ~ServerConnection();

  // Starts reading the first request.
  void start();
  // Sends the handler's response to the request being handled (only then; later calls do nothing).
  void answer(HttpResponse response);
  // Closes the connection when the request being handled will never be answered.
  void abandon();
  // Closes at once; whatever completes later does nothing.
  void close();

 private:
  enum class Phase { waiting, reading, handling, writing, draining, closed };

  void wait_for_request();
  void read_request();
  void on_read(beast::error_code ec);
  void handle();
  void refuse(int status, const std::string& error, std::size_t limit_bytes);
  void write(HttpResponse response);
  void on_written(beast::error_code ec);
  void drain();
  void drain_some();

  std::shared_ptr<HttpServerState> server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  Phase phase_ = Phase::waiting;
  bool first_request_ = true;
  // Of the request being answered.
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  bool refused_ = false;  // answered by the server itself: drain, then close
  std::size_t drained_bytes_ = 0;
};

}  // namespace refpay
