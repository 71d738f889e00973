// Small pure helpers of the harness's HTTP layer (http.h): request accessors, "host:port" parsing
// for command-line and config addresses, and status reason phrases. No Beast or Asio here.
#include <charconv>
#include <string_view>

#include "net/http.h"

namespace firedrill {

std::string HttpRequest::path() const {
  return target.substr(0, target.find('?'));
}

std::optional<std::string> HttpRequest::query(const std::string& name) const {
  const auto question = target.find('?');
  if (question == std::string::npos) return std::nullopt;
  std::string_view rest = std::string_view(target).substr(question + 1);
  rest = rest.substr(0, rest.find('#'));  // a fragment is not part of the query
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view item = rest.substr(0, amp);
    const auto eq = item.find('=');
    if (item.substr(0, eq) == name) {
      // "?flag" without "=" counts as present with an empty value.
      return eq == std::string_view::npos ? std::string() : std::string(item.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<std::string> HttpRequest::header(const std::string& name) const {
  const auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

Result<std::pair<std::string, uint16_t>> parse_host_port(const std::string& text) {
  const auto fail = [&text](const std::string& why) {
    return Status::error("address '" + text + "': " + why);
  };
  std::string_view rest = text;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (rest.substr(0, scheme.size()) == scheme) {
      rest.remove_prefix(scheme.size());
      break;
    }
  }
  rest = rest.substr(0, rest.find('/'));  // drop any path of a URL

  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return fail("expected host:port");
  std::string_view host = rest.substr(0, colon);
  const std::string_view port_text = rest.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // "[::1]:80"
  } else if (host.find(':') != std::string_view::npos) {
    return fail("expected host:port (write an IPv6 address as [addr]:port)");
  }
  if (host.empty()) return fail("expected host:port");

  unsigned port = 0;
  const char* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc() || ptr != end || port > 65535) {
    return fail("bad port '" + std::string(port_text) + "'");
  }
  return std::pair<std::string, uint16_t>(std::string(host), static_cast<uint16_t>(port));
}

const char* http_reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 507:
      return "Insufficient Storage";
    default:
      return "Unknown";
  }
}

}  // namespace firedrill
