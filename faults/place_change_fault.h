// The shape most fault kinds share: the fault is one change of the place, asked for by apply()
// and undone by revert(), keyed by the fault's index (ChangeId) so the undo touches nothing else.
// network.isolate, network.bandwidth / delay / loss, disk.full, clock.skew and backup.corrupt are
// this class with their own pair of Place calls.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "fault/fault_kinds.h"

namespace firedrill {

// One Place call of a change: `change` is the fault's index.
using PlaceStep = std::function<void(Place& place, ChangeId change, PlaceDone done)>;

// A fault of kind `kind` on `node` whose apply is `apply` and whose revert is `revert`.
std::unique_ptr<Fault> make_place_change_fault(std::string kind, const FaultSpec& spec, std::string node,
                                               FaultContext& context, PlaceStep apply, PlaceStep revert);

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
