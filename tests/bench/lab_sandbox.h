// The benches that build a lab run as root in a mount namespace of their own (so their tmpfs
// mounts vanish with them) and in a fresh network namespace (so their bridge and veths do too).
#pragma once

#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstdio>
#include <optional>

#include "lab/network.h"

namespace firedrill {

// Enters both namespaces. Returns the exit code to end the bench with when it cannot go on (0, a
// skip, when not root; `needs` says what root is needed for), nullopt when it can.
inline std::optional<int> enter_lab_sandbox(const char* program, const char* needs) {
  if (geteuid() != 0) {
    std::printf("%s: needs root (%s); skipped\n", program, needs);
    return 0;
  }
  if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    std::perror("mount namespace");
    return 1;
  }
  if (Status s = enter_fresh_network_namespace(); !s) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  return std::nullopt;
}

}  // namespace firedrill
