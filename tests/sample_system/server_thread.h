// An HttpServer of refpay on 127.0.0.1 (any free port) with its own io_context in a background
// thread, for tests that need something to answer: the HTTP tests' echo server and the alert
// receiver of the cluster tests.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "http/server.h"

namespace refpay::testing {

class ServerThread {
 public:
  // The handler runs on the background thread.
  explicit ServerThread(HttpHandler handler, HttpServerLimits limits = {})
      : work_(io_.get_executor()), server_(io_, std::move(handler), limits) {
    EXPECT_TRUE(server_.listen("127.0.0.1", 0));
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ServerThread() {
    boost::asio::post(io_, [this] { server_.stop(); });
    work_.reset();
    io_.stop();
    thread_.join();
  }
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  uint16_t port() const { return server_.port(); }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  HttpServer server_;
  std::thread thread_;
};

}  // namespace refpay::testing
