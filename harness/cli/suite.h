// `firedrill suite DIR|FILES...`: runs several drills one after another (each a `firedrill run`
// of its own, so each gets its own lab), then writes one combined JUnit file and prints one
// summary table. The exit code is the worst verdict's, by the verdict precedence.
#pragma once

#include <string>
#include <vector>

namespace firedrill {

int run_suite(const std::vector<std::string>& inputs, const std::string& out_dir,
              const std::string& self_path);

}  // namespace firedrill
