// [node]: who a refpay program is and where it listens. The ledger node, the gateway and the
// arbiter all read it, and listen there:
//   [node]
//   id = "ledger-1"
//   listen = "127.0.0.1:7001"
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <string>

#include "common/config_read.h"
#include "http/server.h"

namespace refpay {

struct NodeConfig {
  std::string id;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
};

// Reads node.id and node.listen; the fields' values are the defaults.
inline Status read_node_config(Config& config, NodeConfig& node) {
  FirstError first;
  first(read_string(config, "node.id", node.id));
  first(read_address(config, "node.listen", node.host, node.port));
  return first.status();
}

// Starts `server` listening where `node` says and logs "<id> listening on host:port; <about>".
inline Status listen_on(HttpServer& server, const NodeConfig& node, const std::string& about) {
  if (Status s = server.listen(node.host, node.port); !s) return s;
  spdlog::info("{} listening on {}:{}; {}", node.id, node.host, server.port(), about);
  return Status::ok();
}

}  // namespace refpay
