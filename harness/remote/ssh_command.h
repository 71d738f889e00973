// The ssh command line that opens a session to a host, from a node's endpoint and the system
// definition's [ssh] table (scenario/ssh_url.h, scenario/scenario.h's SshSettings). Host keys are
// always checked against the table's known-hosts file alone (StrictHostKeyChecking=yes, no global
// file): a host whose key is not there is refused, never trusted on first use. Pure.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/scenario.h"
#include "scenario/ssh_url.h"

namespace firedrill {

// The argv of `ssh` that opens one session to `endpoint` running `remote_command`.
std::vector<std::string> ssh_argv(const SshEndpoint& endpoint, const SshSettings& options,
                                  const std::string& remote_command);

// `text` as one word for a POSIX shell: single-quoted, with every ' written as '\''.
std::string shell_quote(std::string_view text);

// A duration as coreutils' sleep and timeout read it, to the millisecond: "2.050s".
std::string shell_seconds(std::chrono::milliseconds d);

}  // namespace firedrill
