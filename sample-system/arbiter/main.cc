// refpay-arbiter: the failover controller of the reference payment system.
// Usage: refpay-arbiter --config arbiter.toml [--set section.key=value ...]
#include <memory>

#include "arbiter/arbiter.h"
#include "common/config_read.h"
#include "common/program.h"
#include "http/address.h"

using namespace refpay;

namespace {

Status read_arbiter_config(Config& c, ArbiterConfig& a) {
  FirstError step;
  step(read_node_config(c, a.node));
  step(read_string(c, "node.data_dir", a.data_dir));
  step(read_ledger_list(c, a.ledgers));
  step(read_string(c, "arbiter.initial_primary", a.initial_primary));
  step(read_string(c, "arbiter.alert_url", a.alert_url));
  step(read_bool(c, "arbiter.post_alerts", a.post_alerts));
  step(read_int(c, "arbiter.heartbeat_interval_ms", a.heartbeat_interval_ms, 10, 60'000));
  step(read_int(c, "arbiter.heartbeat_timeout_ms", a.heartbeat_timeout_ms, 10, 60'000));
  step(read_int(c, "arbiter.failure_timeout_ms", a.failure_timeout_ms, 50, 600'000));
  step(read_int(c, "arbiter.lag_alert_entries", a.lag_alert_entries, 1, 1'000'000'000));
  step(read_int(c, "arbiter.lag_alert_ms", a.lag_alert_ms, 0, 600'000));
  step(read_int(c, "arbiter.clock_skew_alert_ms", a.clock_skew_alert_ms, 1, 86'400'000));
  step(read_int(c, "arbiter.clock_alert_quiet_ms", a.clock_alert_quiet_ms, 100, 600'000));
  step(read_int(c, "arbiter.event_alert_hold_ms", a.event_alert_hold_ms, 0, 600'000));
  if (!step) return step.status();
  if (!a.initial_primary.empty()) {
    bool known = false;
    for (const auto& l : a.ledgers) known = known || l.id == a.initial_primary;
    if (!known) {
      return Status::error(c.where("arbiter.initial_primary") +
                           ": arbiter.initial_primary: no ledger named " + a.initial_primary);
    }
  }
  if (!a.alert_url.empty()) {
    if (auto address = parse_host_port(a.alert_url); !address) {
      return Status::error(c.where("arbiter.alert_url") + ": arbiter.alert_url: " +
                           address.status().message());
    }
  }
  return Status::ok();
}

}  // namespace

int main(int argc, char** argv) {
  return run_service_program<ArbiterConfig>(argc, argv, "refpay-arbiter", read_arbiter_config, make_arbiter);
}
