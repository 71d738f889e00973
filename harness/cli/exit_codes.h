// The command line's exit codes (DESIGN.md §7); the verdicts' own (0, 1, 2, 3, 4) come from
// scoring's exit_code_of().
#pragma once

namespace firedrill {

constexpr int kExitInconclusive = 3;
constexpr int kExitAborted = 4;
constexpr int kExitUsage = 64;
constexpr int kExitInvalidScenario = 65;
constexpr int kExitInternal = 70;

}  // namespace firedrill
