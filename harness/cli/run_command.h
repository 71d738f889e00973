// `firedrill run`: validates and plans in the user's process, then enters the lab (a new PID,
// mount and network namespace, plus a user namespace when not root), runs the drill there and
// scores it; with --live, serves the live page while it runs (harness/live/).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "reports/compare.h"

namespace firedrill {

struct RunArguments {
  std::string scenario;
  std::optional<int64_t> seed;
  std::string out;
  std::string subnet = "198.18.0.0/24";
  bool quiet = false;
  std::string baseline;
  Tolerance tolerance;
  std::string sign_key;
  bool clock_shim_everywhere = false;
  std::optional<std::string> live;  // ADDRESS:PORT of the live page
  double live_linger_s = 30;        // the page stays up this long after the verdict
};

// The address --live uses when given none: loopback, a free port.
inline constexpr const char* kLiveDefaultAddress = "127.0.0.1:0";

int run_command(RunArguments args);

// The directory of the running firedrill executable (the system's programs are beside it).
std::string executable_dir();

}  // namespace firedrill
