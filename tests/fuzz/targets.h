// The fuzz targets (README.md). Each takes one input of any bytes and must not crash, hang, leak
// or trip a sanitizer; it checks what must hold of the result with FUZZ_CHECK. fuzz_main.cc
// makes one of them a libFuzzer target (the clang build, FIREDRILL_FUZZ=ON); regression_test.cc
// replays regressions/<target>/ through all of them in the normal build.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace firedrill::fuzz {

// load_scenario() on the input as a scenario file; make_plan() on what it accepts.
void scenario_loader(std::string_view input);
// load_system_definition() on the input as a system definition file.
void system_definition_loader(std::string_view input);
// parse_alert_webhook() on the input as a webhook body.
void alert_webhook(std::string_view input);
// score() on the input as ledger exports and balances (see ledger_export.cc for the layout).
void ledger_export(std::string_view input);

// Writes `input` to the file `name` in a temporary directory of this process, whose
// `sample-system` links to the source tree's (so that scenarios find sample-system/refpay.toml),
// and returns the file's path. The loaders read paths, not text.
std::string scratch_file(const std::string& name, std::string_view input);

// A property of the result that does not hold: a bug, reported like a crash.
[[noreturn]] inline void fail(const char* condition, const std::string& what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", file, line, condition, what.c_str());
  std::abort();
}

}  // namespace firedrill::fuzz

#define FUZZ_CHECK(condition, what) \
  ((condition) ? (void)0 : ::firedrill::fuzz::fail(#condition, (what), __FILE__, __LINE__))
