// refpay's failover controller (in the manner of Redis Sentinel or Patroni).
//
// Every heartbeat it asks each ledger for its status. When the primary has been unreachable or
// unhealthy for failure_timeout_ms it fires LedgerPrimaryDown, promotes the most up-to-date
// reachable standby under a new epoch, and repoints the other ledgers at it; a node that comes
// back (the old primary included) is told to follow the current primary and converges. It also
// raises alerts for standbys that are down, lagging replication, full disks and clock trouble.
// Single-threaded on the process's io_context.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/ledger_list.h"
#include "common/node_config.h"
#include "common/service.h"

namespace refpay {

struct ArbiterConfig {
  NodeConfig node{"arbiter", "127.0.0.1", 7100};
  std::string data_dir;  // holds arbiter-state.json; empty: nothing persisted
  std::vector<LedgerAddress> ledgers;
  std::string initial_primary;  // preferred first primary; default: the first ledger
  std::string alert_url;        // Alertmanager-format webhook receiver; empty: log only
  // false: alerts are only logged and listed, never posted (a drill that detects through
  // Prometheus rules instead compares the two this way).
  bool post_alerts = true;
  int64_t heartbeat_interval_ms = 100;
  int64_t heartbeat_timeout_ms = 300;
  int64_t failure_timeout_ms = 1500;
  int64_t lag_alert_entries = 500;       // a standby further behind than this ...
  int64_t lag_alert_ms = 3000;           // ... for this long: LedgerReplicationLagging
  int64_t clock_skew_alert_ms = 5000;    // a ledger's clock further off than this: LedgerClockSkew
  int64_t clock_alert_quiet_ms = 5000;   // no new clock rejections for this long: resolved
  int64_t event_alert_hold_ms = 10'000;  // LedgerFailoverCompleted stays firing this long
};

// The arbiter of `config.ledgers`, serving its API on config.node; start() begins heartbeats.
std::unique_ptr<Service> make_arbiter(boost::asio::io_context& io, ArbiterConfig config);

}  // namespace refpay
