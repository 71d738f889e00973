// Splitting URLs; see endpoint.h.
#include "net/endpoint.h"

#include "net/http.h"

namespace firedrill {

Result<Endpoint> split_url(const std::string& url) {
  auto host_port = parse_host_port(url);
  if (!host_port) return host_port.status();
  auto scheme = url.find("://");
  auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return Endpoint{host_port->first, host_port->second, path == std::string::npos ? "/" : url.substr(path)};
}

}  // namespace firedrill
