// The health probes: every node with a health URL is asked on its own connection every
// steady_state.probe_interval, and each answer goes on the timeline ("probe" / "health"). The
// runner waits for every probe to be healthy before the baseline; scoring reads the records.
// Runs on the runner's io_context thread; at most one request per node in flight.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"
#include "net/http.h"
#include "net/endpoint.h"

namespace firedrill {

class Timeline;

class HealthProbes {
 public:
  HealthProbes(boost::asio::io_context& io, Timeline& timeline, std::chrono::milliseconds interval);

  // Probes `node` at `url` from the next tick on.
  Status add(const std::string& node, const std::string& url);
  // Sends the probes that are due.
  void tick(std::chrono::steady_clock::time_point now);
  // Whether every probe's last answer was 2xx (true with no probes).
  bool all_healthy() const;
  // Closes every connection; answers after this are not recorded.
  void close();

 private:
  struct Probe {
    Endpoint endpoint;
    std::unique_ptr<HttpClient> client;
    bool healthy = false;
    bool in_flight = false;
    std::chrono::steady_clock::time_point next{};
  };

  void send(const std::string& node, Probe& probe);

  boost::asio::io_context& io_;
  Timeline& timeline_;
  std::chrono::milliseconds interval_;
  std::map<std::string, Probe> probes_;
  bool closed_ = false;
};

}  // namespace firedrill
