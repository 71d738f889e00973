// Where a node's host is and how to reach it: a `host = "ssh://USER@ADDRESS[:PORT]"` of a system
// definition's [[node]], and the definition's [ssh] table (scenarios/README.md, "Drill your
// hosts over SSH"). Pure: parsing and the ssh command line, no I/O.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace firedrill {

struct SshEndpoint {
  std::string user;
  std::string address;  // a host name, an IPv4 address or a bracketed IPv6 address's inside
  int port = 22;
  // "root@10.77.0.11:22", as errors name the host.
  std::string text() const;
};

// "ssh://USER@ADDRESS[:PORT]" (USER is required: firedrill never guesses who it acts as).
Result<SshEndpoint> parse_ssh_url(std::string_view url);

// The [ssh] table. Host keys are always checked against `known_hosts` (StrictHostKeyChecking=yes,
// no global file): a host whose key is not there is refused, never trusted on first use.
struct SshOptions {
  std::string identity_file;  // the private key (IdentitiesOnly)
  std::string known_hosts;    // the only known-hosts file consulted
  std::string config = "none";  // an ssh_config to read ("none": none, so ~/.ssh/config cannot change a drill)
  std::chrono::milliseconds connect_timeout{10'000};
  // The connection counts as lost after this long without an answer from the host (ssh's
  // ServerAliveInterval × ServerAliveCountMax).
  std::chrono::milliseconds alive_timeout{3'000};
};

// The argv of `ssh` that opens one session to `endpoint` running `remote_command`.
std::vector<std::string> ssh_argv(const SshEndpoint& endpoint, const SshOptions& options,
                                  const std::string& remote_command);

// `text` as one word for a POSIX shell: single-quoted, with every ' written as '\''.
std::string shell_quote(std::string_view text);

}  // namespace firedrill
