// "host:port" addresses as refpay's configs and commands write them: node.listen, the ledgers'
// urls, the arbiter's alert_url, and the primary_url of /internal/follow.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace refpay {

struct HostPort {
  std::string host;  // a name or an IP address; IPv6 without its brackets
  uint16_t port = 0;
};

// Reads "host:port", "[v6]:port" or "http://host:port[/path]" (the path is ignored); the error
// quotes the text.
Result<HostPort> parse_host_port(const std::string& text);

}  // namespace refpay
