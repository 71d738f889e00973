// Parsing ssh:// URLs; see ssh_url.h.
#include "scenario/ssh_url.h"

#include <charconv>

namespace firedrill {

std::string SshEndpoint::text() const {
  const bool v6 = address.find(':') != std::string::npos;
  return user + "@" + (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

Result<SshEndpoint> parse_ssh_url(std::string_view url) {
  const std::string shown(url);
  constexpr std::string_view scheme = "ssh://";
  if (url.substr(0, scheme.size()) != scheme) {
    return Status::error("\"" + shown + "\" is not an ssh:// URL (ssh://USER@ADDRESS[:PORT])");
  }
  std::string_view rest = url.substr(scheme.size());
  const auto at = rest.find('@');
  if (at == std::string_view::npos || at == 0) {
    return Status::error("\"" + shown + "\" names no user (ssh://USER@ADDRESS[:PORT])");
  }
  SshEndpoint e;
  e.user = std::string(rest.substr(0, at));
  rest = rest.substr(at + 1);
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return Status::error("\"" + shown + "\": an unclosed [ in the address");
    e.address = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return Status::error("\"" + shown + "\": text after the address");
    if (!rest.empty()) port_text = rest.substr(1);
  } else {
    const auto colon = rest.find(':');
    e.address = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (e.address.empty()) return Status::error("\"" + shown + "\" names no address");
  for (const char c : e.user + e.address) {
    // Nothing that a shell, ssh's option parser or a URL would read as more than a name.
    if (c <= ' ' || c == '/' || c == '\'' || c == '"' || c == '\\' || c == '`' || c == '$' || c == ';') {
      return Status::error("\"" + shown + "\": the user and the address may not contain '" + std::string(1, c) + "'");
    }
  }
  if (e.user.front() == '-' || e.address.front() == '-') return Status::error("\"" + shown + "\": a name may not start with '-'");
  if (!port_text.empty() || (url.back() == ':')) {
    int port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return Status::error("\"" + shown + "\": the port must be a number from 1 to 65535");
    }
    e.port = port;
  }
  return e;
}

}  // namespace firedrill
