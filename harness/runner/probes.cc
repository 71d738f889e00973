// The health probes; see probes.h.
#include "runner/probes.h"

#include <algorithm>

#include "core/limits.h"
#include "timeline/timeline.h"

namespace firedrill {

HealthProbes::HealthProbes(boost::asio::io_context& io, Timeline& timeline, std::chrono::milliseconds interval)
    : io_(io), timeline_(timeline), interval_(interval) {}

Status HealthProbes::add(const std::string& node, const std::string& url) {
  auto endpoint = split_url(url);
  if (!endpoint) return endpoint.status().with_context("node " + node + " health_url");
  probes_[node] = Probe{*endpoint, std::make_unique<HttpClient>(io_, endpoint->host, endpoint->port, 1)};
  return Status::ok();
}

void HealthProbes::tick(std::chrono::steady_clock::time_point now) {
  for (auto& [node, probe] : probes_) {
    if (probe.in_flight || now < probe.next || closed_) continue;
    probe.next = now + interval_;
    send(node, probe);
  }
}

void HealthProbes::send(const std::string& node, Probe& probe) {
  probe.in_flight = true;
  const int64_t sent = timeline_.now_ns();
  probe.client->request("GET", probe.endpoint.target, "", std::max(kProbeTimeoutMinMs, interval_),
                        [this, node, sent](HttpResult r) {
                          auto it = probes_.find(node);
                          if (it == probes_.end() || closed_) return;
                          it->second.in_flight = false;
                          const bool ok = r.ok() && r.status >= 200 && r.status < 300;
                          it->second.healthy = ok;
                          timeline_.write(ProbeHealth{.node = node,
                                                      .ok = ok,
                                                      .status = r.status,
                                                      .latency_ns = timeline_.now_ns() - sent,
                                                      .error = r.ok() ? "" : r.error});
                        });
}

bool HealthProbes::all_healthy() const {
  return std::all_of(probes_.begin(), probes_.end(), [](const auto& p) { return p.second.healthy; });
}

void HealthProbes::close() {
  closed_ = true;
  for (auto& [node, probe] : probes_) probe.client->close();
}

}  // namespace firedrill
