// After a drill's final reads, what its Prometheus recorded, onto the timeline: the alerting
// rules (PrometheusRule), and each alert's episode with the stages of its detection
// (PrometheusAlertEpisode): the first scrape at which the rule's expression held (a range query
// of the expression at a fine step), pending and firing (Prometheus's ALERTS series, one sample
// per evaluation), ended. Prometheus's wall-clock times are mapped to the controller's clock by
// the offset between the two clocks read at the start (both on this machine in the lab). A read
// that fails is a PrometheusReadFailed record; the drill goes on. Runs on the io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "scenario/scenario.h"

namespace firedrill {

class Timeline;

// Reads Prometheus at http://host:port, then calls `done` (always, once).
void read_prometheus(boost::asio::io_context& io, Timeline& timeline, const MonitoringSpec& spec,
                     const std::string& host, uint16_t port, std::function<void()> done);

}  // namespace firedrill
