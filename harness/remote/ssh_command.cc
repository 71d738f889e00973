// The ssh command line; see ssh_command.h.
#include "remote/ssh_command.h"

#include <algorithm>

namespace firedrill {

std::vector<std::string> ssh_argv(const SshEndpoint& endpoint, const SshSettings& options,
                                  const std::string& remote_command) {
  const auto seconds = [](std::chrono::milliseconds ms) {
    return std::to_string(std::max<int64_t>(1, (ms.count() + 999) / 1000));
  };
  const int64_t alive_s = std::max<int64_t>(1, (options.alive_timeout.count() + 999) / 1000);
  std::vector<std::string> argv{"ssh", "-F", options.config.empty() ? "none" : options.config, "-T",
                                "-o", "BatchMode=yes",
                                "-o", "StrictHostKeyChecking=yes",
                                "-o", "UserKnownHostsFile=" + options.known_hosts,
                                "-o", "GlobalKnownHostsFile=/dev/null",
                                "-o", "ConnectTimeout=" + seconds(options.connect_timeout),
                                "-o", "ServerAliveInterval=1",
                                "-o", "ServerAliveCountMax=" + std::to_string(alive_s),
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

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

}  // namespace firedrill
