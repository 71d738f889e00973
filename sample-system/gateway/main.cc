// refpay-gateway: the public HTTP/JSON payment API of the reference payment system.
// Usage: refpay-gateway --config gateway.toml [--set section.key=value ...]
#include <memory>

#include "common/config_read.h"
#include "common/program.h"
#include "gateway/gateway.h"

using namespace refpay;

namespace {

Status read_gateway_config(Config& c, GatewayConfig& g) {
  FirstError step;
  step(read_node_config(c, g.node));
  step(read_ledger_list(c, g.ledgers));
  step(read_int(c, "gateway.topology_poll_ms", g.topology_poll_ms, 10, 60'000));
  step(read_int(c, "gateway.request_timeout_ms", g.request_timeout_ms, 10, 600'000));
  step(read_int(c, "gateway.amount_max", g.amount_max, 1, 1'000'000'000'000'000));
  step(read_int(c, "gateway.connections_per_ledger", g.connections_per_ledger, 1, 4096));
  step(read_int(c, "gateway.body_bytes_max", g.body_bytes_max, 256, 1 << 20));
  return step.status();
}

}  // namespace

int main(int argc, char** argv) {
  return run_service_program<GatewayConfig>(argc, argv, "refpay-gateway", read_gateway_config, make_gateway);
}
