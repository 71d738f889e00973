// refpay's public HTTP/JSON payment API. It validates requests, forwards payments to the current
// ledger primary (the node that says it is primary at the highest epoch, learned by polling every
// ledger's status), and translates what happened into the public status codes:
//   201 committed (or the original result of a repeated idempotency key)
//   400 malformed, 404 unknown account, 409 clock skew, 413 body too large,
//   422 invalid amount / insufficient funds / key reused,
//   503 not committed (no primary), 507 not committed (disk full),
//   504 outcome unknown (the ledger may have committed it: retry with the same key).
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

struct GatewayConfig {
  NodeConfig node{"gateway", "127.0.0.1", 8080};
  std::vector<LedgerAddress> ledgers;
  int64_t topology_poll_ms = 100;     // how often every ledger's role is read
  int64_t request_timeout_ms = 5000;  // a payment's whole time in the gateway
  int64_t amount_max = 1'000'000'000'000;
  int64_t connections_per_ledger = 128;
  std::size_t body_bytes_max = 16 * 1024;
};

// The gateway in front of `config.ledgers`, serving the payment API on config.node.
std::unique_ptr<Service> make_gateway(boost::asio::io_context& io, GatewayConfig config);

}  // namespace refpay
