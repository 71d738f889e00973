// A node's host in a system definition: `host = "ssh://USER@ADDRESS[:PORT]"` (scenarios/README.md,
// "Drill your hosts over SSH"). Pure parsing.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace firedrill {

struct SshEndpoint {
  std::string user;
  std::string address;  // a host name, an IPv4 address, or an IPv6 address (written in [ ])
  int port = 22;
  // "root@10.77.0.11:22", as errors name the host.
  std::string text() const;
};

// "ssh://USER@ADDRESS[:PORT]". USER is required (firedrill never guesses who it acts as); the
// user and address may hold nothing a shell or ssh's option parser would read as more than a name.
Result<SshEndpoint> parse_ssh_url(std::string_view url);

}  // namespace firedrill
