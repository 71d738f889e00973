// HttpClient: the pool of ClientConnections (client_connection.h) to one host:port and the queue
// of requests waiting for one. The pool is shared by every pending handler, so a completion that
// arrives after ~HttpClient finds it still there.
#include "http/client.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <deque>
#include <set>
#include <vector>

#include "http/client_connection.h"

namespace refpay {

using Clock = std::chrono::steady_clock;

namespace {

// A connection idle longer than this is not reused (servers close idle ones: refpay's own after
// 120 s), and is closed when next looked at.
constexpr std::chrono::seconds kIdleReuseMax{30};

HttpResult failed(HttpResult::Outcome outcome, bool request_sent, std::string error) {
  HttpResult result;
  result.outcome = outcome;
  result.request_sent = request_sent;
  result.error = std::move(error);
  return result;
}

}  // namespace

class HttpClientPool : public std::enable_shared_from_this<HttpClientPool> {
 public:
  HttpClientPool(asio::io_context& io, ClientPeer peer, std::size_t connections_max, std::size_t queue_max)
      : io_(io),
        peer_(std::make_shared<const ClientPeer>(std::move(peer))),
        connections_max_(std::max<std::size_t>(1, connections_max)),
        queue_max_(queue_max) {}

  void submit(std::shared_ptr<ClientCall> call);
  void close();

 private:
  std::shared_ptr<ClientConnection> take_idle();
  void run(std::shared_ptr<ClientConnection> connection, std::shared_ptr<ClientCall> call);
  void on_end(const std::shared_ptr<ClientConnection>& connection, const std::shared_ptr<ClientCall>& call,
              ClientConnection::Ending ending);
  void wait_in_queue(const std::shared_ptr<ClientCall>& call);
  void on_queue_timeout(const std::shared_ptr<ClientCall>& call);
  void start_queued();
  void finish(const std::shared_ptr<ClientCall>& call, HttpResult result);
  std::size_t open_count() const { return busy_.size() + idle_.size(); }

  asio::io_context& io_;
  const std::shared_ptr<const ClientPeer> peer_;
  const std::size_t connections_max_;
  const std::size_t queue_max_;
  std::set<std::shared_ptr<ClientConnection>> busy_;
  std::vector<std::shared_ptr<ClientConnection>> idle_;  // the most recently used last
  std::deque<std::shared_ptr<ClientCall>> queue_;
  bool closed_ = false;
};

void HttpClientPool::submit(std::shared_ptr<ClientCall> call) {
  if (closed_) return finish(call, failed(HttpResult::Outcome::io_error, false, "client closed"));
  if (auto connection = take_idle()) return run(std::move(connection), std::move(call));
  if (open_count() < connections_max_) {
    return run(std::make_shared<ClientConnection>(io_, peer_), std::move(call));
  }
  if (queue_.size() >= queue_max_) {
    return finish(call, failed(HttpResult::Outcome::io_error, false, "queue full"));
  }
  wait_in_queue(call);
}

// An idle connection fit to reuse, if any; those idle too long are closed on the way.
std::shared_ptr<ClientConnection> HttpClientPool::take_idle() {
  while (!idle_.empty()) {
    std::shared_ptr<ClientConnection> connection = std::move(idle_.back());
    idle_.pop_back();
    if (Clock::now() - connection->idle_since < kIdleReuseMax) return connection;
    connection->close();
  }
  return nullptr;
}

void HttpClientPool::run(std::shared_ptr<ClientConnection> connection, std::shared_ptr<ClientCall> call) {
  busy_.insert(connection);
  connection->exchange(call, [self = shared_from_this(), connection, call](ClientConnection::Ending ending) {
    self->on_end(connection, call, std::move(ending));
  });
}

void HttpClientPool::on_end(const std::shared_ptr<ClientConnection>& connection,
                            const std::shared_ptr<ClientCall>& call, ClientConnection::Ending ending) {
  busy_.erase(connection);
  if (ending.stale && !call->retried && !closed_) {
    call->retried = true;  // the server closed it while idle: once more on a new connection
    return run(std::make_shared<ClientConnection>(io_, peer_), call);
  }
  HttpResult& result = ending.result;
  if (closed_ && !result.ok()) result.error = "client closed";
  if (call->retried && !result.ok()) {
    // The first attempt went out on the stale connection and may have reached the server.
    result.request_sent = true;
    if (result.outcome == HttpResult::Outcome::connect_failed) {
      result.outcome = HttpResult::Outcome::io_error;
      result.error = "kept-alive connection lost, and reconnecting failed: " + result.error;
    }
  }
  finish(call, std::move(result));
  if (ending.reusable && !closed_) {
    connection->idle_since = Clock::now();
    idle_.push_back(connection);
  }
  start_queued();
}

void HttpClientPool::wait_in_queue(const std::shared_ptr<ClientCall>& call) {
  call->queue_timer = std::make_unique<asio::steady_timer>(io_, call->deadline);
  call->queue_timer->async_wait([self = shared_from_this(), call](boost::system::error_code ec) {
    if (!ec) self->on_queue_timeout(call);
  });
  queue_.push_back(call);
}

void HttpClientPool::on_queue_timeout(const std::shared_ptr<ClientCall>& call) {
  auto waiting = std::find(queue_.begin(), queue_.end(), call);
  if (waiting == queue_.end()) return;  // already running
  queue_.erase(waiting);
  finish(call, failed(HttpResult::Outcome::timeout, false,
                      "timeout after " + std::to_string(call->timeout.count()) + " ms (no free connection)"));
}

// Gives waiting requests the connections that are free now.
void HttpClientPool::start_queued() {
  while (!queue_.empty() && !closed_) {
    std::shared_ptr<ClientConnection> connection = take_idle();
    if (!connection && open_count() >= connections_max_) return;
    if (!connection) connection = std::make_shared<ClientConnection>(io_, peer_);
    std::shared_ptr<ClientCall> call = std::move(queue_.front());
    queue_.pop_front();
    call->queue_timer.reset();  // cancels its wait
    run(std::move(connection), std::move(call));
  }
}

// Posts `done`, so that it never runs inside request() or close().
void HttpClientPool::finish(const std::shared_ptr<ClientCall>& call, HttpResult result) {
  if (call->finished) return;
  call->finished = true;
  call->queue_timer.reset();
  asio::post(io_, [done = std::move(call->done), result = std::move(result)]() mutable {
    if (done) done(std::move(result));
  });
}

void HttpClientPool::close() {
  if (closed_) return;
  closed_ = true;
  for (const auto& call : queue_) {
    finish(call, failed(HttpResult::Outcome::io_error, false, "client closed"));
  }
  queue_.clear();
  for (const auto& connection : idle_) connection->close();
  idle_.clear();
  // Their exchanges end with an error, and on_end() answers them "client closed".
  const std::vector<std::shared_ptr<ClientConnection>> running(busy_.begin(), busy_.end());
  for (const auto& connection : running) connection->close();
}

HttpClient::HttpClient(asio::io_context& io, std::string host, uint16_t port, std::size_t connections_max,
                       std::size_t queue_max) {
  ClientPeer peer;
  peer.host_header = host + ":" + std::to_string(port);
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (!ec) peer.literal = asio::ip::tcp::endpoint(address, port);
  peer.host = std::move(host);
  peer.port = port;
  pool_ = std::make_shared<HttpClientPool>(io, std::move(peer), connections_max, queue_max);
}

HttpClient::~HttpClient() {
  pool_->close();
}

void HttpClient::request(const std::string& method, const std::string& target, std::string body,
                         std::chrono::milliseconds timeout, std::function<void(HttpResult)> done) {
  auto call = std::make_shared<ClientCall>();
  call->method = method;
  call->target = target;
  call->body = std::move(body);
  call->timeout = timeout;
  call->deadline = Clock::now() + timeout;
  call->done = std::move(done);
  pool_->submit(std::move(call));
}

void HttpClient::close() {
  pool_->close();
}

}  // namespace refpay
