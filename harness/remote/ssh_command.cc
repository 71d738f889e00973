// The ssh command line; see ssh_command.h.
#include "remote/ssh_command.h"

#include <algorithm>
#include <cstdio>

namespace firedrill {

std::vector<std::string> ssh_argv(const SshEndpoint& endpoint, const SshSettings& options,
                                  const std::string& remote_command) {
  // Whole seconds, rounded up, at least 1: ssh reads no fractions.
  const auto seconds = [](std::chrono::milliseconds ms) {
    return std::to_string(std::max<int64_t>(1, (ms.count() + 999) / 1000));
  };
  // ServerAliveInterval=1: one keep-alive a second, so CountMax is the alive timeout in seconds.
  std::vector<std::string> argv{"ssh", "-F", options.config, "-T",
                                "-o", "BatchMode=yes",
                                "-o", "StrictHostKeyChecking=yes",
                                "-o", "UserKnownHostsFile=" + options.known_hosts,
                                "-o", "GlobalKnownHostsFile=/dev/null",
                                "-o", "ConnectTimeout=" + seconds(options.connect_timeout),
                                "-o", "ServerAliveInterval=1",
                                "-o", "ServerAliveCountMax=" + seconds(options.alive_timeout),
                                "-o", "ControlMaster=no",
                                "-o", "ControlPath=none",
                                "-o", "LogLevel=ERROR"};
  if (!options.identity_file.empty()) {
    argv.insert(argv.end(), {"-o", "IdentitiesOnly=yes", "-i", options.identity_file});
  }
  argv.insert(argv.end(), {"-p", std::to_string(endpoint.port), "-l", endpoint.user, "--", endpoint.address,
                           remote_command});
  return argv;
}

std::string shell_seconds(std::chrono::milliseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%03llds", static_cast<long long>(d.count() / 1000),
                static_cast<long long>(d.count() % 1000));
  return text;
}

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

}  // namespace firedrill
