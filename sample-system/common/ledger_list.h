// The list of ledger nodes that the arbiter and the gateway both read from their config, and talk
// to each through an HttpClient:
//   [[ledgers]]
//   id = "ledger-1"
//   url = "http://127.0.0.1:7001"
#pragma once

#include <cstddef>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/config.h"
#include "http/address.h"
#include "http/client.h"

namespace refpay {

struct LedgerAddress {
  std::string id;
  std::string url;  // "http://host:port"
};

// Reads every [[ledgers]] entry; ids must be unique and urls host:port; at least one ledger.
inline Status read_ledger_list(Config& config, std::vector<LedgerAddress>& out) {
  auto count = config.get_array_size("ledgers");
  if (!count) return count.status();
  if (*count == 0) return Status::error(config.where("ledgers") + ": ledgers: at least one [[ledgers]] entry is required");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < *count; ++i) {
    std::string prefix = "ledgers." + std::to_string(i) + ".";
    auto id = config.get_string(prefix + "id", "");
    if (!id) return id.status();
    auto url = config.get_string(prefix + "url", "");
    if (!url) return url.status();
    if (id->empty() || !ids.insert(*id).second) {
      return Status::error(config.where(prefix + "id") + ": " + prefix + "id: missing or repeated");
    }
    if (auto address = parse_host_port(*url); !address) {
      return Status::error(config.where(prefix + "url") + ": " + prefix + "url: " + address.status().message());
    }
    out.push_back(LedgerAddress{*id, *url});
  }
  return Status::ok();
}

// A client for `ledger` with up to `connections_max` connections; the error names the ledger.
inline Result<std::unique_ptr<HttpClient>> client_for(boost::asio::io_context& io, const LedgerAddress& ledger,
                                                      std::size_t connections_max) {
  auto address = parse_host_port(ledger.url);
  if (!address) return address.status().with_context("ledger " + ledger.id);
  return std::make_unique<HttpClient>(io, address->host, address->port, connections_max);
}

}  // namespace refpay
