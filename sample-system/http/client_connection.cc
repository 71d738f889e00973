// One connection of an HttpClient; see client_connection.h.
#include "http/client_connection.h"

#include <boost/asio/error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace refpay {
namespace {

// A response may be a whole ledger export.
constexpr std::uint64_t kResponseBodyBytesMax = 64ULL * 1024 * 1024;
constexpr std::uint32_t kResponseHeaderBytesMax = 64 * 1024;

// What a server closing a kept-alive connection looks like to the next exchange.
bool is_peer_close(beast::error_code ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

}  // namespace

ClientConnection::ClientConnection(asio::io_context& io, std::shared_ptr<const ClientPeer> peer)
    : peer_(std::move(peer)), resolver_(io), stream_(io) {}

void ClientConnection::exchange(std::shared_ptr<ClientCall> call, std::function<void(Ending)> on_end) {
  call_ = std::move(call);
  on_end_ = std::move(on_end);
  sent_ = false;
  if (connected_) return write();
  connect();
}

void ClientConnection::connect() {
  stream_.expires_at(call_->deadline);
  auto self = shared_from_this();
  if (peer_->literal) {
    return stream_.async_connect(*peer_->literal, [self](beast::error_code ec) { self->on_connected(ec); });
  }
  // The resolver has no deadline of its own; refpay's addresses are IP literals or local names.
  resolver_.async_resolve(peer_->host, std::to_string(peer_->port),
                          [self](beast::error_code ec, const tcp::resolver::results_type& found) {
                            if (ec) return self->fail("resolve", ec, false);
                            self->stream_.async_connect(
                                found, [self](beast::error_code connect_ec, const tcp::endpoint&) {
                                  self->on_connected(connect_ec);
                                });
                          });
}

void ClientConnection::on_connected(beast::error_code ec) {
  if (ec) return fail("connect", ec, false);
  connected_ = true;
  beast::error_code ignored;
  stream_.socket().set_option(tcp::no_delay(true), ignored);  // small requests must not wait
  write();
}

void ClientConnection::write() {
  ClientCall& call = *call_;
  request_ = {};
  if (const http::verb verb = http::string_to_verb(call.method); verb != http::verb::unknown) {
    request_.method(verb);
  } else {
    request_.method_string(call.method);
  }
  request_.target(call.target);
  request_.version(11);
  request_.set(http::field::host, peer_->host_header);
  request_.set(http::field::user_agent, "refpay");
  if (!call.body.empty()) request_.set(http::field::content_type, "application/json");
  // Kept: the body is needed again if this kept-alive connection turns out closed (stale).
  request_.body() = call.body;
  request_.keep_alive(true);
  request_.prepare_payload();
  sent_ = true;  // from here on the server may see some of it
  stream_.expires_at(call.deadline);
  http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->on_written(ec);
  });
}

void ClientConnection::on_written(beast::error_code ec) {
  if (ec) return fail("write", ec, carried_before_ && ec != beast::error::timeout);
  parser_.emplace();
  parser_->body_limit(kResponseBodyBytesMax);
  parser_->header_limit(kResponseHeaderBytesMax);
  if (request_.method() == http::verb::head) parser_->skip(true);  // no body follows
  http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code read_ec, std::size_t) {
    self->on_read(read_ec);
  });
}

void ClientConnection::on_read(beast::error_code ec) {
  if (ec) return fail("read", ec, carried_before_ && !parser_->got_some() && is_peer_close(ec));
  http::response<http::string_body> response = parser_->release();
  parser_.reset();
  carried_before_ = true;
  Ending ending;
  ending.result.request_sent = true;
  ending.result.status = static_cast<int>(response.result_int());
  ending.result.body = std::move(response.body());
  // Bytes beyond the response mean the stream is out of step: never reuse it then.
  ending.reusable = response.keep_alive() && buffer_.size() == 0;
  end(std::move(ending));
}

void ClientConnection::fail(const char* step, beast::error_code ec, bool stale) {
  Ending ending;
  ending.stale = stale;
  ending.result.request_sent = sent_;
  if (ec == beast::error::timeout) {
    ending.result.outcome = HttpResult::Outcome::timeout;
    ending.result.error = "timeout after " + std::to_string(call_->timeout.count()) + " ms";
  } else {
    const bool before_sending = !sent_;
    ending.result.outcome = before_sending ? HttpResult::Outcome::connect_failed : HttpResult::Outcome::io_error;
    ending.result.error = std::string(step) + " " + peer_->host_header + ": " + ec.message();
  }
  end(std::move(ending));
}

void ClientConnection::end(Ending ending) {
  if (!ending.reusable) close();
  call_.reset();
  auto on_end = std::move(on_end_);
  on_end_ = nullptr;
  if (on_end) on_end(std::move(ending));
}

void ClientConnection::close() {
  connected_ = false;
  resolver_.cancel();
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace refpay
