// One connection of an HttpServer; see server_connection.h.
#include "http/server_connection.h"

#include <algorithm>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>
#include <exception>

namespace refpay {
namespace {

// The first bytes of a request are awaited in chunks of this size.
constexpr std::size_t kReadChunkBytes = 4096;
// After refusing a request the server drains what the client still sends (at most this much, for
// at most this long) before it closes: closing with unread input would send a TCP reset, which
// can destroy the refusal before the client reads it.
constexpr std::size_t kDrainBytesMax = 16 * 1024 * 1024;
constexpr std::chrono::milliseconds kDrainTimeout{1'000};

std::string lower_case(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The request as handlers see it (message.h).
HttpRequest to_request(http::request<http::string_body>&& message) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    std::string& value = request.headers[lower_case(field.name_string())];
    value += value.empty() ? "" : ", ";  // repeated fields combine (RFC 9110 section 5.3)
    value += field.value();
  }
  request.body = std::move(message.body());
  return request;
}

// The one Respond of a request, shared by its copies: the first call answers, and when the last
// copy goes unanswered the connection closes (nothing will ever answer it).
class Reply {
 public:
  explicit Reply(std::shared_ptr<ServerConnection> connection) : connection_(std::move(connection)) {}
  ~Reply() {
    if (!answered_) connection_->abandon();
  }
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;

  void send(HttpResponse response) {
    if (answered_) return;
    answered_ = true;
    connection_->answer(std::move(response));
  }

 private:
  std::shared_ptr<ServerConnection> connection_;
  bool answered_ = false;
};

}  // namespace

ServerConnection::ServerConnection(std::shared_ptr<HttpServerState> server, tcp::socket socket)
    : server_(std::move(server)), stream_(std::move(socket)) {}

ServerConnection::~ServerConnection() {
  server_->connections.erase(this);
}

void ServerConnection::start() {
  wait_for_request();
}

// Waits for the first byte of the next request: a new connection within request_timeout (a
// client connects to send), a kept-alive one within idle_timeout.
void ServerConnection::wait_for_request() {
  phase_ = Phase::waiting;
  parser_.emplace();
  parser_->body_limit(server_->limits.body_bytes_max);
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(server_->limits.header_bytes_max, UINT32_MAX)));
  if (buffer_.size() > 0) return read_request();  // the next request came with the last one
  stream_.expires_after(first_request_ ? server_->limits.request_timeout : server_->limits.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunkBytes),
                          [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                            if (self->phase_ == Phase::closed) return;
                            if (ec) return self->close();  // idle too long, or the client left
                            self->buffer_.commit(bytes);
                            self->read_request();
                          });
}

// Reads the rest of the request, which must arrive whole within request_timeout.
void ServerConnection::read_request() {
  phase_ = Phase::reading;
  stream_.expires_after(server_->limits.request_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void ServerConnection::on_read(beast::error_code ec) {
  if (phase_ == Phase::closed) return;
  if (!ec) return handle();
  if (ec == http::error::body_limit) return refuse(413, "body_too_large", server_->limits.body_bytes_max);
  if (ec == http::error::header_limit) {
    return refuse(431, "header_too_large", server_->limits.header_bytes_max);
  }
  // The client closed mid-request, the deadline passed (the stream is closed), or the socket
  // failed: there is nobody to answer.
  const bool client_gone = ec == http::error::end_of_stream || ec == http::error::partial_message;
  if (client_gone || ec.category() != http::make_error_code(http::error::bad_target).category()) {
    return close();
  }
  refuse(400, "bad_request", 0);  // a message Beast's parser rejects
}

// Hands the request to the handler. The handler may take as long as it likes (it may wait on other
// services): the client's own deadline bounds that, so no deadline runs meanwhile.
void ServerConnection::handle() {
  http::request<http::string_body> message = parser_->release();
  parser_.reset();
  version_ = message.version();
  keep_alive_ = message.keep_alive();
  head_ = message.method() == http::verb::head;
  first_request_ = false;
  phase_ = Phase::handling;
  stream_.expires_never();
  auto reply = std::make_shared<Reply>(shared_from_this());
  try {
    server_->handler(to_request(std::move(message)),
                     [reply](HttpResponse response) { reply->send(std::move(response)); });
  } catch (const std::exception&) {
    // A handler bug, but one request must not take the process down.
    reply->send(HttpResponse{500, R"({"error":"internal"})"});
  }
}

void ServerConnection::answer(HttpResponse response) {
  if (phase_ == Phase::handling) write(std::move(response));
}

void ServerConnection::abandon() {
  if (phase_ == Phase::handling) close();
}

// Answers a request the server will not hand to the handler, then drains and closes.
void ServerConnection::refuse(int status, const std::string& error, std::size_t limit_bytes) {
  std::string body = R"({"error":")" + error + "\"";
  if (limit_bytes > 0) body += R"(,"limit_bytes":)" + std::to_string(limit_bytes);
  body += "}";
  keep_alive_ = false;
  head_ = false;
  refused_ = true;
  write(HttpResponse{status, std::move(body)});
}

void ServerConnection::write(HttpResponse response) {
  // Beast takes status codes up to 999; anything else is a handler bug.
  const int status = response.status >= 100 && response.status <= 999 ? response.status : 500;
  response_ = {};
  response_.version(version_);
  response_.result(static_cast<unsigned>(status));
  response_.set(http::field::server, "refpay");
  const bool may_have_body = status >= 200 && status != 204 && status != 304;
  if (may_have_body) {
    response_.set(http::field::content_type, response.content_type);
    response_.body() = std::move(response.body);
  }
  response_.keep_alive(keep_alive_);
  response_.prepare_payload();
  if (head_) response_.body().clear();  // HEAD: the Content-Length of the GET, without the body
  phase_ = Phase::writing;
  stream_.expires_after(server_->limits.request_timeout);  // a client must take its answer
  http::async_write(stream_, response_,
                    [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_written(ec); });
}

void ServerConnection::on_written(beast::error_code ec) {
  if (phase_ == Phase::closed) return;
  if (ec) return close();
  if (refused_) return drain();
  if (!keep_alive_) return close();  // the client asked for it and has sent all it will
  wait_for_request();
}

// Half-closes (the client reads our answer, then end of stream) and reads whatever the client
// still sends until it closes, the drain deadline passes, or kDrainBytesMax is reached.
void ServerConnection::drain() {
  phase_ = Phase::draining;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(std::min(server_->limits.request_timeout, kDrainTimeout));
  buffer_.clear();
  drain_some();
}

void ServerConnection::drain_some() {
  stream_.async_read_some(buffer_.prepare(kReadChunkBytes),
                          [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                            if (self->phase_ == Phase::closed) return;
                            self->drained_bytes_ += bytes;
                            if (ec || self->drained_bytes_ > kDrainBytesMax) return self->close();
                            self->drain_some();
                          });
}

void ServerConnection::close() {
  if (phase_ == Phase::closed) return;
  phase_ = Phase::closed;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();  // cancels the pending operation and its deadline
  server_->connections.erase(this);
}

}  // namespace refpay
