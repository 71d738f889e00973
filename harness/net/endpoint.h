// An HTTP URL of the system ("http://198.18.0.2:8080/health") split into what HttpClient needs.
// Used by the health probes, the final reads and the lookup of dynamic roles.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace firedrill {

struct Endpoint {
  std::string host;
  uint16_t port = 0;
  std::string target;  // the path and query; "/" when the URL has none
};

Result<Endpoint> split_url(const std::string& url);

}  // namespace firedrill
