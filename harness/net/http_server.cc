// HttpServer (http.h): the harness's HTTP/1.1 server (the alert receiver), on Boost.Beast.
//
// Shaped like the Asio http/server example: the server object owns the acceptor and a registry
// of open connections; each connection is a Session that loops do_read -> handler -> do_write.
// Every socket operation runs under a deadline (beast::tcp_stream::expires_after), and request
// sizes are bounded by HttpServerLimits. Everything runs on the one io_context, so no locking.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <unordered_map>

#include "core/limits.h"
#include "net/beast.h"
#include "net/http.h"

namespace firedrill {

namespace {


std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == beast::http::make_error_code(http::error::bad_version).category();
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  class Session;
  class ResponseOnce;

  Impl(asio::io_context& io_context, HttpHandler request_handler, HttpServerLimits server_limits)
      : io(io_context),
        handler(std::move(request_handler)),
        limits(server_limits),
        acceptor(io_context),
        accept_retry_timer(io_context) {}

  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void stop();

  asio::io_context& io;
  HttpHandler handler;
  HttpRejected rejected;  // may be empty
  HttpServerLimits limits;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry_timer;
  uint16_t port = 0;
  bool stopped = false;
  // Open connections. Weak, so a session's lifetime is decided by its pending operations (and
  // any Respond the handler still holds), never by the registry.
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
};

// One accepted connection: reads a request, hands it to the handler, writes the response, and
// repeats while the client keeps the connection alive.
class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<Impl> server, tcp::socket socket)
      : server_(std::move(server)), stream_(std::move(socket)) {}
  ~Session() { server_->sessions.erase(this); }

  void start() { do_read(); }
  // Sends the handler's response; a no-op unless this session is waiting for one.
  void respond(HttpResponse response);
  // The handler dropped its Respond without calling it: nothing will ever answer, so close.
  void abandon() {
    if (state_ == State::awaiting_response) close();
  }
  // Closes the socket at once; later completions and Respond calls become no-ops.
  void close();

 private:
  enum class State { reading, awaiting_response, writing, lingering, closed };

  void do_read();
  void read_request();
  void on_read(beast::error_code ec);
  void dispatch();
  void do_write(HttpResponse response);
  void on_write(beast::error_code ec);
  void reject(int status, std::string body, const std::string& reason);
  void linger();

  std::shared_ptr<Impl> server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  State state_ = State::reading;
  bool first_request_ = true;
  bool keep_alive_ = false;    // of the request being served
  bool head_request_ = false;  // a HEAD response carries Content-Length but no body
  unsigned version_ = 11;
  bool linger_after_write_ = false;
  std::string drain_;  // scratch space for linger(), allocated only when needed
  std::size_t drained_bytes_ = 0;
};

// Shared by every copy of one request's Respond (std::function must be copyable): the first
// call sends, later ones are ignored, and if no copy ever calls it the connection is closed.
class HttpServer::Impl::ResponseOnce {
 public:
  explicit ResponseOnce(std::shared_ptr<Session> session) : session_(std::move(session)) {}
  ~ResponseOnce() {
    if (!used_) session_->abandon();
  }
  ResponseOnce(const ResponseOnce&) = delete;
  ResponseOnce& operator=(const ResponseOnce&) = delete;

  void respond(HttpResponse response) {
    if (used_) return;
    used_ = true;
    session_->respond(std::move(response));
  }

 private:
  std::shared_ptr<Session> session_;
  bool used_ = false;
};

void HttpServer::Impl::Session::do_read() {
  state_ = State::reading;
  parser_.emplace();
  parser_->body_limit(server_->limits.body_bytes_max);
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(server_->limits.header_bytes_max, UINT32_MAX)));
  if (buffer_.size() > 0) {  // the client already sent (part of) the next request
    read_request();
    return;
  }
  // Wait for the first byte under the idle deadline; the read deadline starts once it arrives.
  // A fresh connection gets read_timeout: a client connects in order to send at once.
  stream_.expires_after(first_request_ ? server_->limits.read_timeout
                                       : server_->limits.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kHttpReadChunkBytes),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            if (self->state_ == State::closed) return;
                            if (ec) {  // idle timeout, or the client went away: nothing to answer
                              self->close();
                              return;
                            }
                            self->buffer_.commit(n);
                            self->read_request();
                          });
}

void HttpServer::Impl::Session::read_request() {
  stream_.expires_after(server_->limits.read_timeout);
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void HttpServer::Impl::Session::on_read(beast::error_code ec) {
  if (state_ == State::closed) return;
  if (ec == http::error::body_limit) {
    reject(413, R"({"error":"body_too_large","limit_bytes":)" + std::to_string(server_->limits.body_bytes_max) + "}",
           "body over " + std::to_string(server_->limits.body_bytes_max) + " bytes");
  } else if (ec == http::error::header_limit) {
    reject(431, R"({"error":"header_too_large","limit_bytes":)" + std::to_string(server_->limits.header_bytes_max) + "}",
           "header over " + std::to_string(server_->limits.header_bytes_max) + " bytes");
  } else if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    close();  // the client closed mid-request: nobody to answer
  } else if (ec && is_http_parse_error(ec)) {
    reject(400, R"({"error":"bad_request"})", "malformed request: " + ec.message());
  } else if (ec == beast::error::timeout) {
    if (server_->rejected) {
      server_->rejected(408, "request not complete within " + std::to_string(server_->limits.read_timeout.count()) + " ms");
    }
    close();  // the stream is already closed: nothing can be answered
  } else if (ec) {
    close();  // a socket error
  } else {
    dispatch();
  }
}

// Converts the parsed message and calls the handler with a Respond that keeps this session alive.
void HttpServer::Impl::Session::dispatch() {
  http::request<http::string_body> message = parser_->release();
  parser_.reset();
  keep_alive_ = message.keep_alive();
  version_ = message.version();
  head_request_ = message.method() == http::verb::head;
  first_request_ = false;

  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    auto [it, inserted] = request.headers.emplace(lower(field.name_string()), field.value());
    if (!inserted) it->second.append(", ").append(field.value());  // RFC 9110 §5.3 combining
  }
  request.body = std::move(message.body());

  // The handler may take as long as it likes (it may wait on other services); the client's
  // own deadline bounds that, so no timer runs while we wait for the response.
  state_ = State::awaiting_response;
  stream_.expires_never();
  auto once = std::make_shared<ResponseOnce>(shared_from_this());
  Respond respond = [once](HttpResponse response) { once->respond(std::move(response)); };
  try {
    server_->handler(std::move(request), std::move(respond));
  } catch (const std::exception&) {
    // A throwing handler is a bug, but it must not take the whole process down with it.
    once->respond(HttpResponse{500, R"({"error":"internal"})"});
  }
}

void HttpServer::Impl::Session::respond(HttpResponse response) {
  if (state_ != State::awaiting_response) return;  // closed, or the server was stopped
  do_write(std::move(response));
}

void HttpServer::Impl::Session::reject(int status, std::string body, const std::string& reason) {
  if (server_->rejected) server_->rejected(status, reason);
  keep_alive_ = false;
  head_request_ = false;
  linger_after_write_ = true;
  do_write(HttpResponse{status, std::move(body)});
}

void HttpServer::Impl::Session::do_write(HttpResponse response) {
  // Beast accepts codes 0..999; anything else is a handler bug, reported as a 500.
  const int status = response.status >= 100 && response.status <= 999 ? response.status : 500;
  response_ = {};
  response_.version(version_);
  response_.result(static_cast<unsigned>(status));
  response_.reason(http_reason(status));
  response_.set(http::field::server, "firedrill");
  for (const auto& [name, value] : response.headers) response_.set(name, value);
  // 1xx, 204 and 304 responses must not carry a body (prepare_payload would throw).
  const bool bodyless = status < 200 || status == 204 || status == 304;
  if (!bodyless) {
    response_.set(http::field::content_type, response.content_type);
    response_.body() = std::move(response.body);
  }
  response_.keep_alive(keep_alive_);
  response_.prepare_payload();
  if (head_request_) response_.body().clear();  // keeps the Content-Length of the GET body

  state_ = State::writing;
  // A client that does not take its response within read_timeout is not worth a connection.
  stream_.expires_after(server_->limits.read_timeout);
  http::async_write(
      stream_, response_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void HttpServer::Impl::Session::on_write(beast::error_code ec) {
  if (state_ == State::closed) return;
  if (ec) {
    close();
  } else if (linger_after_write_) {
    linger();
  } else if (!keep_alive_) {
    close();  // "Connection: close" or HTTP/1.0: the client sent its whole request already
  } else {
    do_read();
  }
}

void HttpServer::Impl::Session::linger() {
  state_ = State::lingering;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);  // the client sees EOF after us
  stream_.expires_after(std::min(server_->limits.read_timeout, kHttpLingerMaxMs));
  drain_.resize(kHttpReadChunkBytes);
  // The loop reads until the client closes, the deadline closes the stream, or enough is read.
  struct Drain {
    std::shared_ptr<Session> self;
    void operator()(beast::error_code read_ec, std::size_t n) const {
      if (self->state_ == State::closed) return;
      self->drained_bytes_ += n;
      if (read_ec || self->drained_bytes_ > kHttpLingerMaxBytes) {
        self->close();
        return;
      }
      self->stream_.async_read_some(asio::buffer(self->drain_), *this);
    }
  };
  Drain{shared_from_this()}(beast::error_code(), 0);
}

void HttpServer::Impl::Session::close() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();  // also cancels the deadline timer; pending handlers see State::closed
  server_->sessions.erase(this);
}

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(io, [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (stopped || !acceptor.is_open()) return;
  if (ec == asio::error::operation_aborted) return;
  if (ec) {
    // Usually EMFILE/ENFILE: retrying at once would spin, so back off a little.
    accept_retry_timer.expires_after(kHttpAcceptRetryMs);
    accept_retry_timer.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec && !self->stopped) self->do_accept();
    });
    return;
  }
  // Asio accepts without SOCK_CLOEXEC: a process forked meanwhile (a node) must not hold the
  // connection open.
  ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
  if (sessions.size() >= limits.connections_max) {
    beast::error_code close_ec;
    socket.close(close_ec);  // over the limit: refuse by closing at once
  } else {
    beast::error_code option_ec;
    socket.set_option(tcp::no_delay(true), option_ec);  // small responses must not wait (Nagle)
    auto session = std::make_shared<Session>(shared_from_this(), std::move(socket));
    sessions.emplace(session.get(), session);
    session->start();
  }
  do_accept();
}

void HttpServer::Impl::stop() {
  stopped = true;
  beast::error_code ec;
  acceptor.close(ec);
  accept_retry_timer.cancel();
  // Copy first: close() erases from the registry.
  std::vector<std::shared_ptr<Session>> open;
  open.reserve(sessions.size());
  for (auto& [ptr, weak] : sessions) {
    if (auto session = weak.lock()) open.push_back(std::move(session));
  }
  for (auto& session : open) session->close();
  sessions.clear();
}

HttpServer::HttpServer(asio::io_context& io, HttpHandler handler, HttpServerLimits limits)
    : impl_(std::make_shared<Impl>(io, std::move(handler), limits)) {}

HttpServer::~HttpServer() {
  impl_->stop();
}

Status HttpServer::listen(const std::string& host, uint16_t port) {
  Impl& impl = *impl_;
  const auto fail = [&](const std::string& why) {
    beast::error_code ignored;
    impl.acceptor.close(ignored);
    return Status::error("listen " + host + ":" + std::to_string(port) + ": " + why);
  };
  if (impl.acceptor.is_open())
    return Status::error("listen " + host + ":" + std::to_string(port) + ": already listening");
  if (impl.stopped) return fail("server stopped");

  beast::error_code ec;
  tcp::endpoint endpoint;
  const std::string address_text = host.empty() ? "0.0.0.0" : host;
  const auto address = asio::ip::make_address(address_text, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, port);
  } else {
    // A name such as "localhost": resolving synchronously is fine, this runs once at startup.
    tcp::resolver resolver(impl.io);
    const auto results = resolver.resolve(address_text, std::to_string(port), ec);
    if (ec) return fail("resolve: " + ec.message());
    if (results.empty()) return fail("resolve: no address");
    endpoint = *results.begin();
  }

  if (impl.acceptor.open(endpoint.protocol(), ec); ec) return fail("open: " + ec.message());
  if (impl.acceptor.set_option(tcp::acceptor::reuse_address(true), ec); ec) {
    return fail("setsockopt SO_REUSEADDR: " + ec.message());
  }
  if (impl.acceptor.bind(endpoint, ec); ec) return fail("bind: " + ec.message());
  if (impl.acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return fail("listen: " + ec.message());
  }
  impl.port = impl.acceptor.local_endpoint(ec).port();
  impl.do_accept();
  return Status::ok();
}

Status HttpServer::serve(int listening_fd) {
  Impl& impl = *impl_;
  if (impl.acceptor.is_open() || impl.stopped) {
    ::close(listening_fd);
    return Status::error("serve: already listening or stopped");
  }
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(listening_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(listening_fd);
    return Status::error("serve: not a socket");
  }
  beast::error_code ec;
  impl.acceptor.assign(address.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), listening_fd, ec);
  if (ec) {
    ::close(listening_fd);
    return Status::error("serve: " + ec.message());
  }
  impl.port = impl.acceptor.local_endpoint(ec).port();
  impl.do_accept();
  return Status::ok();
}

uint16_t HttpServer::port() const {
  return impl_->port;
}

void HttpServer::stop() {
  impl_->stop();
}

void HttpServer::on_rejected(HttpRejected observer) { impl_->rejected = std::move(observer); }

}  // namespace firedrill
