// The fault-kind registry's shape: everything about one kind in one struct — its catalog entry
// (with its loader checks, its resource and whether it reaches clocks), its factory and its
// preflight — and the one function that lists the kinds this build implements.
//
// builtin_fault_kinds() is declared here and defined in faults/registry.cc (one line per kind).
// harness/ never includes faults/: the `firedrill` executable (and the tests) link the faults
// library, which provides the definition (a link seam, not an include).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "fault/fault.h"
#include "place/place.h"
#include "scenario/fault_catalog.h"
#include "scenario/scenario.h"

namespace firedrill {

// Makes the fault of `spec` acting on `node` (its target already resolved: one node, or for a
// whole-static-role kind the role's nodes joined by ',').
using FaultFactory =
    std::function<std::unique_ptr<Fault>(const FaultSpec& spec, const std::string& node,
                                         FaultContext& context)>;
// What the kind needs of the place before the drill starts (network.delay: netem); ok when
// nothing. Called before any node runs, so a scenario the place cannot honour is refused whole.
using FaultPreflight = std::function<Status(const FaultSpec& spec, const Place& place)>;

struct FaultKind {
  FaultKindEntry entry;       // catalog entry, loader checks, resource, reaches_clock
  FaultFactory make;
  FaultPreflight preflight;   // empty: nothing to check
};

// A set of kinds, in the order `firedrill faults` lists them.
class FaultKinds {
 public:
  explicit FaultKinds(std::vector<FaultKind> kinds);
  const std::vector<FaultKind>& all() const { return kinds_; }
  // The kind named `name`, or nullptr.
  const FaultKind* find(const std::string& name) const;
  // The loader's and planner's view of these kinds.
  const FaultCatalog& catalog() const { return catalog_; }
  // The fault of `spec` on `node`, or an error for a kind not in this set.
  Result<std::unique_ptr<Fault>> make(const FaultSpec& spec, const std::string& node,
                                      FaultContext& context) const;
  // Every fault's preflight; the first refusal as "fault[I] KIND refused: why".
  Status preflight(const std::vector<FaultSpec>& faults, const Place& place) const;

 private:
  std::vector<FaultKind> kinds_;
  FaultCatalog catalog_;
};

// Every fault kind this build implements. Defined in faults/registry.cc.
const FaultKinds& builtin_fault_kinds();

}  // namespace firedrill
