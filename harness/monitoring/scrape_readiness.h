// Whether the drill's Prometheus has scraped every one of its targets, successfully, at least
// once. Prometheus 2.42 takes its targets from its discovery manager's first update, up to 5 s
// after it starts: a fault before that would meet a Prometheus that sees nothing. The runner's
// health gate waits for it (with the nodes' own health). Runs on the io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

namespace firedrill {

class HttpClient;

class ScrapeReadiness {
 public:
  ScrapeReadiness(boost::asio::io_context& io, const std::string& host, uint16_t port);
  ~ScrapeReadiness();
  // True once an answer of /api/v1/targets had every active target up; until then each call
  // asks again, unless an answer is still awaited.
  bool poll();
  // What the last answer said was missing ("" before any answer), for a drill that gave up.
  const std::string& waiting_for() const { return state_->waiting_for; }

 private:
  struct State {
    bool ready = false;
    bool asking = false;
    std::string waiting_for;
  };
  std::shared_ptr<HttpClient> client_;
  std::shared_ptr<State> state_;
};

}  // namespace firedrill
