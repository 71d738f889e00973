// Tests that need privileges or tools (root for mounts, libfaketime) skip on a developer's
// laptop but fail in CI, where CI=true and the set-up installs everything (STYLE.md habit 11).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace firedrill::testing {

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

}  // namespace firedrill::testing

// Skips the test (fails it when CI=true) unless `condition` holds; `why` says what is missing.
#define FIREDRILL_REQUIRE(condition, why)                                           \
  do {                                                                              \
    if (!(condition)) {                                                             \
      if (::firedrill::testing::in_ci()) FAIL() << "prerequisite missing in CI: " << why; \
      GTEST_SKIP() << "prerequisite missing: " << why;                              \
    }                                                                               \
  } while (0)
