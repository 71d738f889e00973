// parse_host_port; see address.h.
#include "http/address.h"

#include <charconv>
#include <string_view>

namespace refpay {

Result<HostPort> parse_host_port(const std::string& text) {
  auto bad = [&text](const char* why) { return Status::error("address '" + text + "': " + why); };
  std::string_view rest = text;
  if (const std::size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    if (rest.substr(0, scheme) != "http" && rest.substr(0, scheme) != "https") {
      return bad("only http:// urls");
    }
    rest.remove_prefix(scheme + 3);
  }
  rest = rest.substr(0, rest.find('/'));
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad("expected host:port");
  std::string_view host = rest.substr(0, colon);
  if (host.front() == '[' && host.back() == ']' && host.size() > 2) {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad("expected host:port (an IPv6 address as [address]:port)");
  }
  const std::string_view digits = rest.substr(colon + 1);
  unsigned port = 0;
  const char* end = digits.data() + digits.size();
  const auto [stop, error] = std::from_chars(digits.data(), end, port);
  if (digits.empty() || error != std::errc() || stop != end || port > 65'535) {
    return bad("the port is not a number from 0 to 65535");
  }
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

}  // namespace refpay
