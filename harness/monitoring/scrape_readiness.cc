// Waiting for Prometheus's first scrapes, then checking the rules' metrics; see
// scrape_readiness.h.
#include "monitoring/scrape_readiness.h"

#include <chrono>
#include <set>

#include "monitoring/prometheus_api.h"
#include "monitoring/promql_metrics.h"
#include "net/http.h"

namespace firedrill {
namespace {

constexpr std::chrono::milliseconds kAskTimeoutMs{2'000};

}  // namespace

ScrapeReadiness::ScrapeReadiness(boost::asio::io_context& io, const std::string& host, uint16_t port)
    : client_(std::make_shared<HttpClient>(io, host, port, 1)), state_(std::make_shared<State>()) {}

ScrapeReadiness::~ScrapeReadiness() { client_->close(); }

bool ScrapeReadiness::poll() {
  if (state_->checked || state_->asking) return state_->checked;
  state_->targets_up ? check_metrics() : ask_targets();
  return false;
}

void ScrapeReadiness::ask_targets() {
  state_->asking = true;
  client_->request("GET", "/api/v1/targets?state=active", "", kAskTimeoutMs, [state = state_](HttpResult r) {
    state->asking = false;
    if (!r.ok() || r.status != 200) {
      state->waiting_for = r.ok() ? "status " + std::to_string(r.status) : r.error;
      return;
    }
    auto not_up = targets_not_up(r.body);
    state->waiting_for = not_up ? *not_up : not_up.status().message();
    state->targets_up = not_up && not_up->empty();
  });
}

// Every metric each alerting rule reads, against every name Prometheus has scraped.
void ScrapeReadiness::check_metrics() {
  state_->asking = true;
  state_->waiting_for = "the rules' metrics being checked";
  auto client = client_;
  client_->request("GET", "/api/v1/label/__name__/values", "", kAskTimeoutMs, [state = state_, client](HttpResult names) {
    if (!names.ok() || names.status != 200) {
      state->asking = false;
      return;
    }
    client->request("GET", "/api/v1/rules", "", kAskTimeoutMs,
                    [state, exposed = label_values(names.body)](HttpResult r) {
                      state->asking = false;
                      auto rules = r.ok() && r.status == 200 ? parse_alerting_rules(r.body)
                                                             : Result<std::vector<PrometheusRule>>(Status::error("no answer"));
                      if (!rules) return;
                      // A recording rule's series may not be written yet (a rate needs two scrapes).
                      const std::set<std::string> recorded = recording_rule_names(r.body);
                      for (const PrometheusRule& rule : *rules) {
                        for (const std::string& metric : metric_names_in(rule.expr)) {
                          if (exposed.count(metric) || recorded.count(metric) || prometheus_own_metric(metric)) continue;
                          state->problem += (state->problem.empty() ? "" : "; ") + std::string("rule ") + rule.name +
                                            " (" + rule.file + ") reads metric " + metric + ", which no node exposes";
                        }
                      }
                      state->checked = true;
                    });
  });
}

}  // namespace firedrill
