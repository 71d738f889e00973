// HttpServer: the listening socket and its accept loop; each connection is a ServerConnection
// (server_connection.h).
#include "http/server.h"

#include <boost/asio/socket_base.hpp>
#include <vector>

#include "http/server_connection.h"

namespace refpay {
namespace {

// How long accepting pauses after an error such as EMFILE, which an immediate retry would repeat.
constexpr std::chrono::milliseconds kAcceptPause{50};

void accept_next(const std::shared_ptr<HttpServerState>& server);

void on_accepted(const std::shared_ptr<HttpServerState>& server, beast::error_code ec, tcp::socket socket) {
  if (server->stopped || ec == asio::error::operation_aborted) return;
  if (ec) {
    server->accept_pause.expires_after(kAcceptPause);
    server->accept_pause.async_wait([server](beast::error_code wait_ec) {
      if (!wait_ec && !server->stopped) accept_next(server);
    });
    return;
  }
  if (server->connections.size() < server->limits.connections_max) {
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // small answers must not wait for Nagle
    auto connection = std::make_shared<ServerConnection>(server, std::move(socket));
    server->connections.emplace(connection.get(), connection);
    connection->start();
  }  // else `socket` closes as it goes out of scope: over the limit
  accept_next(server);
}

void accept_next(const std::shared_ptr<HttpServerState>& server) {
  server->acceptor.async_accept(server->io, [server](beast::error_code ec, tcp::socket socket) {
    on_accepted(server, ec, std::move(socket));
  });
}

// The endpoint for host:port; a name such as "localhost" is resolved (once, at start).
Result<tcp::endpoint> endpoint_of(asio::io_context& io, const std::string& host, uint16_t port) {
  beast::error_code ec;
  const std::string name = host.empty() ? "0.0.0.0" : host;
  const asio::ip::address address = asio::ip::make_address(name, ec);
  if (!ec) return tcp::endpoint(address, port);
  tcp::resolver resolver(io);
  const auto found = resolver.resolve(name, std::to_string(port), ec);
  if (ec || found.empty()) return Status::error("resolve: " + (ec ? ec.message() : "no address"));
  return found.begin()->endpoint();
}

Status open_acceptor(tcp::acceptor& acceptor, const tcp::endpoint& endpoint) {
  beast::error_code ec;
  if (acceptor.open(endpoint.protocol(), ec); ec) return Status::error("open: " + ec.message());
  if (acceptor.set_option(tcp::acceptor::reuse_address(true), ec); ec) {
    return Status::error("SO_REUSEADDR: " + ec.message());
  }
  if (acceptor.bind(endpoint, ec); ec) return Status::error("bind: " + ec.message());
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return Status::error("listen: " + ec.message());
  }
  return Status::ok();
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, HttpHandler handler, HttpServerLimits limits)
    : state_(std::make_shared<HttpServerState>(io, std::move(handler), limits)) {}

HttpServer::~HttpServer() {
  stop();
}

Status HttpServer::listen(const std::string& host, uint16_t port) {
  const std::string where = "listen " + host + ":" + std::to_string(port);
  if (state_->stopped || state_->acceptor.is_open()) {
    return Status::error(where + ": the server is already listening or stopped");
  }
  auto endpoint = endpoint_of(state_->io, host, port);
  Status opened = endpoint ? open_acceptor(state_->acceptor, *endpoint) : endpoint.status();
  beast::error_code ec;
  if (!opened) {
    state_->acceptor.close(ec);
    return opened.with_context(where);
  }
  state_->port = state_->acceptor.local_endpoint(ec).port();
  accept_next(state_);
  return Status::ok();
}

uint16_t HttpServer::port() const {
  return state_->port;
}

void HttpServer::stop() {
  state_->stopped = true;
  beast::error_code ignored;
  state_->acceptor.close(ignored);
  state_->accept_pause.cancel();
  // Gathered first: close() takes each out of the map.
  std::vector<std::shared_ptr<ServerConnection>> open;
  for (const auto& [address, connection] : state_->connections) {
    if (auto alive = connection.lock()) open.push_back(std::move(alive));
  }
  for (const auto& connection : open) connection->close();
  state_->connections.clear();
}

}  // namespace refpay
