// What every loader owes a file it rejects: at least one diagnostic, each naming a file, and a
// text to print. Shared by the loader targets (scenario_loader.cc, system_definition_loader.cc).
#pragma once

#include <variant>

#include "scenario/diagnostics.h"
#include "targets.h"

namespace firedrill::fuzz {

// Checks the diagnostics when `loaded` (a loader's Diagnostics-or-result variant) is a rejection;
// true then, so that the target stops there.
template <typename Loaded>
bool check_rejection(const Loaded& loaded) {
  const auto* errors = std::get_if<Diagnostics>(&loaded);
  if (!errors) return false;
  FUZZ_CHECK(!errors->empty(), "rejected without a diagnostic");
  for (const Diagnostic& d : errors->list()) FUZZ_CHECK(!d.file.empty(), d.text());
  FUZZ_CHECK(!errors->text().empty(), "empty diagnostics text");
  return true;
}

}  // namespace firedrill::fuzz
