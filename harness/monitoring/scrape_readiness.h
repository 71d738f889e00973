// Whether the drill's Prometheus is ready to detect: it has scraped every one of its targets,
// successfully, at least once (Prometheus 2.42 takes its targets from its discovery manager's
// first update, up to 5 s after it starts, and a fault before that would meet a Prometheus that
// sees nothing), and then every metric its alerting rules read is one some node exposes (a rule
// on a metric nobody exposes can never fire: a silent hole in the alerting). The runner's health
// gate waits for it with the nodes' own health; a missing metric makes the drill inconclusive
// before any fault, naming the rule, its file and the metric. Runs on the io_context.
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
  // True once every target was up and the rules' metrics were checked; until then each call asks
  // Prometheus again, unless an answer is still awaited.
  bool poll();
  // What the last answer said was missing ("" before any answer), for a drill that gave up.
  const std::string& waiting_for() const { return state_->waiting_for; }
  // After poll() turned true: the rules that read a metric no node exposes ("" when none).
  const std::string& problem() const { return state_->problem; }

 private:
  struct State {
    bool targets_up = false;
    bool checked = false;
    bool asking = false;
    std::string waiting_for;
    std::string problem;
  };
  void ask_targets();
  void check_metrics();

  std::shared_ptr<HttpClient> client_;
  std::shared_ptr<State> state_;
};

}  // namespace firedrill
