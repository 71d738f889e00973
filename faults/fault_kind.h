// What every kind's definition uses to build its FaultKind: the catalog prose as one compact
// aggregate (KindText), the one builder (fault_kind), the factory of a kind written as a class
// (fault_factory<F>) and the typed read of a parameter (parameter_or).
#pragma once

#include <memory>
#include <string>

#include "fault/fault_kinds.h"

namespace firedrill {

// The prose `firedrill faults` prints for a kind, in the order it prints it. Written as one
// positional aggregate per kind: {name, summary, mechanism, verified_by, reverted_by, privileges}.
struct KindText {
  std::string name;         // as written in [[fault]] kind = "..."
  std::string summary;      // one line
  std::string mechanism;    // how it is made real
  std::string verified_by;  // what observation makes it T0
  std::string reverted_by;
  std::string privileges;
};

// The kind named and described by `text`, whose other catalog fields are `rules` (a
// FaultKindEntry written with designated initializers naming only what differs from the defaults;
// its text fields are left empty and filled from `text`), made by `make`, checked before the drill
// by `preflight` (empty: nothing to check).
FaultKind fault_kind(KindText text, FaultKindEntry rules, FaultFactory make, FaultPreflight preflight = {});

// The factory of a kind whose fault is class F, constructed as F(spec, node, context).
template <typename F>
FaultFactory fault_factory() {
  return [](const FaultSpec& spec, const std::string& node, FaultContext& context) -> std::unique_ptr<Fault> {
    return std::make_unique<F>(spec, node, context);
  };
}

// The value of parameter `name` of `spec` as a T, or `fallback` when it is absent (the loader
// filled every declared parameter with its type, so a present one has the right type).
template <typename T>
T parameter_or(const FaultSpec& spec, const std::string& name, T fallback) {
  auto it = spec.parameters.find(name);
  if (it == spec.parameters.end()) return fallback;
  const T* value = std::get_if<T>(&it->second);
  return value ? *value : fallback;
}

}  // namespace firedrill
