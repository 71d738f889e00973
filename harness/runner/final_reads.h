// The final reads: once traffic has stopped, every node's export (and its balances, where the
// definition gives a URL) is read over HTTP into exports/<node>.ndjson and
// exports/<node>.balances.json, each read recorded as a HarnessFinalRead with its size,
// record count and SHA-256. Scoring reconciles these files. Runs on the runner's io_context
// thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <functional>
#include <string>

#include "net/http.h"
#include "runner/node_launch.h"
#include "runner/revert_stack.h"
#include "runner/run_paths.h"

namespace firedrill {

class Console;
class Timeline;

class FinalReads {
 public:
  FinalReads(boost::asio::io_context& io, Timeline& timeline, Console& console, RunPaths paths, FailureSink fail);

  // Starts every read of `launched`; `done` is called once, when the last has ended (at once
  // when there is nothing to read).
  void start(const LaunchedNodes& launched, std::function<void()> done);

 private:
  void read(const std::string& node, const std::string& file, const std::string& url);
  void on_read(const std::string& node, const std::string& file, const HttpResult& r);
  void one_done();

  boost::asio::io_context& io_;
  Timeline& timeline_;
  Console& console_;
  RunPaths paths_;
  FailureSink fail_;
  std::size_t pending_ = 0;
  std::function<void()> done_;
};

}  // namespace firedrill
