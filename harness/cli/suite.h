// `firedrill suite DIR|FILES...`: runs several drills one after another (each a `firedrill run`
// of its own, so each gets its own lab), then writes one combined JUnit file and prints one
// summary table, with the verdict each scenario's description states ("Expected verdict: X").
// The exit code is the worst verdict's, by the verdict precedence; with `expect_stated`, it is 0
// when every drill ends with its stated verdict, else the worst exit code of those that did not
// (1 for one that passed where a failure was to be demonstrated, or that states no verdict).
#pragma once

#include <string>
#include <vector>

namespace firedrill {

int run_suite(const std::vector<std::string>& inputs, const std::string& out_dir,
              const std::string& self_path, bool expect_stated = false);

}  // namespace firedrill
