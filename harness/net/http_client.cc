// HttpClient (http.h): a keep-alive connection pool to one host:port, on Boost.Beast.
//
// Each request is a Call with one deadline timer covering queue wait, connect, write and read.
// A Call runs on an idle connection if there is one, else on a new connection while fewer than
// connections_max exist, else it waits in a bounded FIFO queue. A connection carries one request
// at a time (no pipelining). The pool (Impl) is held by shared_ptr and every pending handler
// holds it, so completions after ~HttpClient are safe no-ops. Single io_context, no locking.
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <list>
#include <unordered_set>
#include <vector>

#include "core/limits.h"
#include "net/beast.h"
#include "net/http.h"

namespace firedrill {

namespace {


struct Connection;

// One request, from request() until `done` is posted.
struct Call {
  explicit Call(asio::io_context& io) : deadline(io) {}

  std::string method;
  std::string target;
  std::string body;
  std::chrono::milliseconds timeout{0};
  std::function<void(HttpResult)> done;
  asio::steady_timer deadline;
  bool finished = false;
  bool request_sent = false;  // writing has begun on some connection
  bool retried = false;       // already retried once after a stale keep-alive connection
  bool queued = false;
  std::list<std::shared_ptr<Call>>::iterator queue_position;
  std::weak_ptr<Connection> connection;  // the one carrying it, if any
};

struct Connection {
  explicit Connection(asio::io_context& io) : socket(io), resolver(io), idle_timer(io) {}

  tcp::socket socket;
  tcp::resolver resolver;
  asio::steady_timer idle_timer;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  std::optional<http::response_parser<http::string_body>> parser;
  std::shared_ptr<Call> call;  // the request in flight, if any
  bool closed = false;
  // Has carried a request before: the server may have closed it while it sat idle.
  bool reused = false;
  bool idle = false;
  std::uint64_t idle_generation = 0;  // tells a stale idle-timer completion from the current one
};

HttpResult failure(HttpResult::Outcome outcome, bool request_sent, std::string error) {
  HttpResult result;
  result.outcome = outcome;
  result.request_sent = request_sent;
  result.error = std::move(error);
  return result;
}

}  // namespace

struct HttpClient::Impl : std::enable_shared_from_this<HttpClient::Impl> {
  Impl(asio::io_context& io_context, std::string host_name, uint16_t port_number,
       std::size_t max_connections, std::size_t max_queue)
      : io(io_context),
        host(std::move(host_name)),
        port(port_number),
        connections_max(std::max<std::size_t>(1, max_connections)),
        queue_max(max_queue),
        host_header(host + ":" + std::to_string(port)) {
    beast::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (!ec) literal_endpoint = tcp::endpoint(address, port);  // no resolver round trip needed
  }

  void request(std::shared_ptr<Call> call);
  void start_on(const std::shared_ptr<Connection>& connection, std::shared_ptr<Call> call);
  void open(std::shared_ptr<Call> call);
  void on_connect(const std::shared_ptr<Connection>& connection, beast::error_code ec);
  void fail_connect(std::shared_ptr<Connection> connection, const std::string& why);
  void do_write(const std::shared_ptr<Connection>& connection);
  void on_write(const std::shared_ptr<Connection>& connection, beast::error_code ec);
  void on_read(const std::shared_ptr<Connection>& connection, beast::error_code ec);
  void fail_io(std::shared_ptr<Connection> connection, const std::string& why, bool maybe_stale);
  void make_idle(const std::shared_ptr<Connection>& connection);
  void drop(std::shared_ptr<Connection> connection);
  void pump();
  void on_deadline(const std::shared_ptr<Call>& call);
  void finish(const std::shared_ptr<Call>& call, HttpResult result);
  void close();

  asio::io_context& io;
  const std::string host;
  const uint16_t port;
  const std::size_t connections_max;
  const std::size_t queue_max;
  const std::string host_header;
  std::optional<tcp::endpoint> literal_endpoint;  // when host is an IP address
  bool closed = false;
  std::unordered_set<std::shared_ptr<Connection>> connections;  // all open or opening
  std::vector<std::shared_ptr<Connection>> idle;                // most recently used last
  std::list<std::shared_ptr<Call>> queue;                       // waiting for a connection
};

void HttpClient::Impl::request(std::shared_ptr<Call> call) {
  if (closed) {
    finish(call, failure(HttpResult::Outcome::io_error, false, "client closed"));
    return;
  }
  const bool capacity = !idle.empty() || connections.size() < connections_max;
  if (!capacity && queue.size() >= queue_max) {
    finish(call, failure(HttpResult::Outcome::io_error, false, "queue full"));
    return;
  }
  call->deadline.expires_after(call->timeout);
  call->deadline.async_wait([self = shared_from_this(), call](beast::error_code ec) {
    if (!ec) self->on_deadline(call);
  });
  if (!idle.empty()) {
    auto connection = std::move(idle.back());
    idle.pop_back();
    start_on(connection, std::move(call));
  } else if (connections.size() < connections_max) {
    open(std::move(call));
  } else {
    call->queued = true;
    call->queue_position = queue.insert(queue.end(), call);
  }
}

// Runs `call` on an idle keep-alive connection.
void HttpClient::Impl::start_on(const std::shared_ptr<Connection>& connection,
                                std::shared_ptr<Call> call) {
  connection->idle = false;
  ++connection->idle_generation;
  connection->idle_timer.cancel();
  call->connection = connection;
  connection->call = std::move(call);
  do_write(connection);
}

// Opens a new connection for `call`; the caller has checked connections_max.
void HttpClient::Impl::open(std::shared_ptr<Call> call) {
  auto connection = std::make_shared<Connection>(io);
  connections.insert(connection);
  call->connection = connection;
  connection->call = std::move(call);
  auto self = shared_from_this();
  if (literal_endpoint) {
    connection->socket.async_connect(*literal_endpoint, [self, connection](beast::error_code ec) {
      self->on_connect(connection, ec);
    });
    return;
  }
  connection->resolver.async_resolve(
      host, std::to_string(port),
      [self, connection](beast::error_code ec, const tcp::resolver::results_type& results) {
        if (connection->closed) return;
        if (ec) {
          self->fail_connect(connection, "resolve " + self->host + ": " + ec.message());
          return;
        }
        asio::async_connect(connection->socket, results,
                            [self, connection](beast::error_code connect_ec, const tcp::endpoint&) {
                              self->on_connect(connection, connect_ec);
                            });
      });
}

void HttpClient::Impl::on_connect(const std::shared_ptr<Connection>& connection,
                                  beast::error_code ec) {
  if (connection->closed) return;  // the deadline or close() has already answered the call
  if (ec) {
    fail_connect(connection, "connect " + host_header + ": " + ec.message());
    return;
  }
  beast::error_code option_ec;
  connection->socket.set_option(tcp::no_delay(true), option_ec);  // small requests: no Nagle
  do_write(connection);
}

void HttpClient::Impl::fail_connect(std::shared_ptr<Connection> connection,
                                    const std::string& why) {
  auto call = connection->call;
  drop(connection);
  if (call->retried) {
    // The first attempt went out on a reused connection and may have reached the server, so
    // this is not a clean "not delivered" connect_failed.
    finish(call, failure(HttpResult::Outcome::io_error, true,
                         "keep-alive connection lost; reconnect failed: " + why));
  } else {
    finish(call, failure(HttpResult::Outcome::connect_failed, false, why));
  }
  pump();
}

void HttpClient::Impl::do_write(const std::shared_ptr<Connection>& connection) {
  Call& call = *connection->call;
  auto& request = connection->request;
  request = {};
  const http::verb verb = http::string_to_verb(call.method);
  if (verb == http::verb::unknown) {
    request.method_string(call.method);
  } else {
    request.method(verb);
  }
  request.target(call.target);
  request.version(11);
  request.set(http::field::host, host_header);
  request.set(http::field::user_agent, "firedrill");
  if (!call.body.empty()) request.set(http::field::content_type, "application/json");
  // Only a reused connection can lead to a retry that needs the body again.
  request.body() = connection->reused ? call.body : std::move(call.body);
  request.keep_alive(true);
  request.prepare_payload();

  call.request_sent = true;  // from here on the server may see (part of) the request
  http::async_write(connection->socket, request,
                    [self = shared_from_this(), connection](beast::error_code ec, std::size_t) {
                      self->on_write(connection, ec);
                    });
}

void HttpClient::Impl::on_write(const std::shared_ptr<Connection>& connection,
                                beast::error_code ec) {
  if (connection->closed) return;
  if (ec) {
    fail_io(connection, "write: " + ec.message(), /*maybe_stale=*/true);
    return;
  }
  auto& parser = connection->parser.emplace();
  parser.body_limit(kHttpResponseBodyMaxBytes);
  parser.header_limit(kHttpResponseHeaderMaxBytes);
  if (connection->request.method() == http::verb::head) parser.skip(true);  // no body follows
  http::async_read(connection->socket, connection->buffer, parser,
                   [self = shared_from_this(), connection](beast::error_code read_ec, std::size_t) {
                     self->on_read(connection, read_ec);
                   });
}

void HttpClient::Impl::on_read(const std::shared_ptr<Connection>& connection,
                               beast::error_code ec) {
  if (connection->closed) return;
  if (ec) {
    // EOF or reset before any response byte is what a server closing an idle keep-alive
    // connection looks like.
    const bool maybe_stale =
        !connection->parser->got_some() &&
        (ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe);
    fail_io(connection, "read: " + ec.message(), maybe_stale);
    return;
  }
  auto& response = connection->parser->get();
  HttpResult result;
  result.outcome = HttpResult::Outcome::ok;
  result.request_sent = true;
  result.status = static_cast<int>(response.result_int());
  result.body = std::move(response.body());
  // Leftover bytes after a complete response mean the stream is out of step: do not reuse it.
  const bool reusable = response.keep_alive() && connection->buffer.size() == 0 && !closed;
  auto call = std::move(connection->call);
  connection->parser.reset();
  connection->reused = true;
  finish(call, std::move(result));
  if (reusable) {
    make_idle(connection);
  } else {
    drop(connection);
  }
  pump();
}

// The connection broke after writing began. A reused connection that the server had closed while
// idle is retried once on a fresh connection; anything else is final.
void HttpClient::Impl::fail_io(std::shared_ptr<Connection> connection, const std::string& why,
                               bool maybe_stale) {
  auto call = connection->call;
  const bool retry = maybe_stale && connection->reused && !call->retried && !closed;
  drop(connection);
  if (retry) {
    call->retried = true;
    open(std::move(call));  // takes the slot the dropped connection just freed
    return;
  }
  finish(call, failure(HttpResult::Outcome::io_error, true, why));
  pump();
}

void HttpClient::Impl::make_idle(const std::shared_ptr<Connection>& connection) {
  connection->idle = true;
  const auto generation = ++connection->idle_generation;
  idle.push_back(connection);
  connection->idle_timer.expires_after(kHttpClientIdleS);
  connection->idle_timer.async_wait(
      [self = shared_from_this(), connection, generation](beast::error_code ec) {
        if (ec || connection->closed || connection->idle_generation != generation) return;
        self->drop(connection);
      });
}

// Closes the connection and forgets it; its pending handlers see `closed` and do nothing.
// Takes a copy: the argument may be the very element being erased.
void HttpClient::Impl::drop(std::shared_ptr<Connection> connection) {
  if (connection->closed) return;
  connection->closed = true;
  beast::error_code ec;
  connection->socket.shutdown(tcp::socket::shutdown_both, ec);
  connection->socket.close(ec);
  connection->resolver.cancel();
  connection->idle_timer.cancel();
  if (connection->idle) {
    connection->idle = false;
    idle.erase(std::remove(idle.begin(), idle.end(), connection), idle.end());
  }
  connection->call.reset();
  connections.erase(connection);
}

// Moves queued calls onto free capacity.
void HttpClient::Impl::pump() {
  while (!queue.empty() && !closed) {
    if (idle.empty() && connections.size() >= connections_max) return;
    auto call = std::move(queue.front());
    queue.pop_front();
    call->queued = false;
    if (!idle.empty()) {
      auto connection = std::move(idle.back());
      idle.pop_back();
      start_on(connection, std::move(call));
    } else {
      open(std::move(call));
    }
  }
}

void HttpClient::Impl::on_deadline(const std::shared_ptr<Call>& call) {
  if (call->finished) return;
  if (auto connection = call->connection.lock()) drop(connection);
  finish(call, failure(HttpResult::Outcome::timeout, call->request_sent,
                       "timeout after " + std::to_string(call->timeout.count()) + " ms"));
  pump();
}

// Records the outcome and posts `done`; posting keeps callbacks out of request()'s and close()'s
// stack frames, so callers never see re-entrant callbacks.
void HttpClient::Impl::finish(const std::shared_ptr<Call>& call, HttpResult result) {
  if (call->finished) return;
  call->finished = true;
  call->deadline.cancel();
  if (call->queued) {
    queue.erase(call->queue_position);
    call->queued = false;
  }
  call->connection.reset();
  asio::post(io, [done = std::move(call->done), result = std::move(result)]() mutable {
    if (done) done(std::move(result));
  });
}

void HttpClient::Impl::close() {
  if (closed) return;
  closed = true;
  while (!queue.empty()) {
    const auto call = queue.front();  // a copy: finish() erases the queue element
    finish(call, failure(HttpResult::Outcome::io_error, false, "client closed"));
  }
  // Copy first: drop() erases from the set.
  const std::vector<std::shared_ptr<Connection>> open_connections(connections.begin(),
                                                                  connections.end());
  for (const auto& connection : open_connections) {
    auto call = connection->call;
    drop(connection);
    if (call) {
      finish(call, failure(HttpResult::Outcome::io_error, call->request_sent, "client closed"));
    }
  }
  idle.clear();
}

HttpClient::HttpClient(asio::io_context& io, std::string host, uint16_t port,
                       std::size_t connections_max, std::size_t queue_max)
    : impl_(std::make_shared<Impl>(io, std::move(host), port, connections_max, queue_max)) {}

HttpClient::~HttpClient() {
  impl_->close();
}

void HttpClient::request(const std::string& method, const std::string& target, std::string body,
                         std::chrono::milliseconds timeout, std::function<void(HttpResult)> done) {
  auto call = std::make_shared<Call>(impl_->io);
  call->method = method;
  call->target = target;
  call->body = std::move(body);
  call->timeout = timeout;
  call->done = std::move(done);
  impl_->request(std::move(call));
}

void HttpClient::close() {
  impl_->close();
}

const std::string& HttpClient::host() const {
  return impl_->host;
}

uint16_t HttpClient::port() const {
  return impl_->port;
}

}  // namespace firedrill
