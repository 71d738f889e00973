// Waiting for Prometheus's first scrapes; see scrape_readiness.h.
#include "monitoring/scrape_readiness.h"

#include <chrono>

#include "monitoring/prometheus_api.h"
#include "net/http.h"

namespace firedrill {

ScrapeReadiness::ScrapeReadiness(boost::asio::io_context& io, const std::string& host, uint16_t port)
    : client_(std::make_shared<HttpClient>(io, host, port, 1)), state_(std::make_shared<State>()) {}

ScrapeReadiness::~ScrapeReadiness() { client_->close(); }

bool ScrapeReadiness::poll() {
  if (state_->ready || state_->asking) return state_->ready;
  state_->asking = true;
  client_->request("GET", "/api/v1/targets?state=active", "", std::chrono::milliseconds(2'000),
                   [state = state_](HttpResult r) {
                     state->asking = false;
                     if (!r.ok() || r.status != 200) {
                       state->waiting_for = r.ok() ? "status " + std::to_string(r.status) : r.error;
                       return;
                     }
                     auto not_up = targets_not_up(r.body);
                     if (!not_up) {
                       state->waiting_for = not_up.status().message();
                       return;
                     }
                     state->waiting_for = *not_up;
                     state->ready = not_up->empty();
                   });
  return false;
}

}  // namespace firedrill
