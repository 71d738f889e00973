// One keep-alive connection of an HttpClient (client.h): it connects when first used, then carries
// one exchange (a request and its response) at a time. Not for use outside http/.
//
// Shaped like Beast's http_client_async example (connect, write, read, each a step with its
// handler), with one absolute deadline, the request's, on every step of beast::tcp_stream.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/beast_names.h"
#include "http/client.h"

namespace refpay {

// Where a pool's connections go.
struct ClientPeer {
  std::string host;
  uint16_t port = 0;
  std::string host_header;                                // "host:port"
  std::optional<tcp::endpoint> literal;  // when host is an IP address: no resolve
};

// One request, from HttpClient::request() until its `done` is posted.
struct ClientCall {
  std::string method;
  std::string target;
  std::string body;
  std::chrono::milliseconds timeout{0};
  std::chrono::steady_clock::time_point deadline;
  std::function<void(HttpResult)> done;
  bool retried = false;   // sent again once after a kept-alive connection turned out closed
  bool finished = false;  // `done` is posted
  std::unique_ptr<asio::steady_timer> queue_timer;  // while it waits for a connection
};

class ClientConnection : public std::enable_shared_from_this<ClientConnection> {
 public:
  // How an exchange ended. `reusable`: the connection may carry another. `stale`: it failed the
  // way a kept-alive connection fails when the server closed it while idle, before reading any
  // of the request; sending again on a new connection is then safe.
  struct Ending {
    HttpResult result;
    bool reusable = false;
    bool stale = false;
  };

  ClientConnection(asio::io_context& io, std::shared_ptr<const ClientPeer> peer);

  // Runs `call` (connecting first if needed) and then calls `on_end` once, unless close() came
  // first, in which case `on_end` gets an io_error.
  void exchange(std::shared_ptr<ClientCall> call, std::function<void(Ending)> on_end);
  // Closes the socket; a running exchange ends with an error.
  void close();

  // When this connection last became idle.
  std::chrono::steady_clock::time_point idle_since;

 private:
  void connect();
  void on_connected(beast::error_code ec);
  void write();
  void on_written(beast::error_code ec);
  void on_read(beast::error_code ec);
  void fail(const char* step, beast::error_code ec, bool stale);
  void end(Ending ending);

  std::shared_ptr<const ClientPeer> peer_;
  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::shared_ptr<ClientCall> call_;
  std::function<void(Ending)> on_end_;
  bool connected_ = false;
  bool carried_before_ = false;  // has carried an exchange: the server may have closed it since
  bool sent_ = false;            // of the running exchange: writing began
};

}  // namespace refpay
