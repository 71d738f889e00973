// The fault-kind registry's shape; see fault_kinds.h. The kinds themselves are listed in
// faults/registry.cc.
#include "fault/fault_kinds.h"

namespace firedrill {
namespace {

std::vector<FaultKindEntry> entries_of(const std::vector<FaultKind>& kinds) {
  std::vector<FaultKindEntry> entries;
  entries.reserve(kinds.size());
  for (const FaultKind& kind : kinds) entries.push_back(kind.entry);
  return entries;
}

}  // namespace

FaultKinds::FaultKinds(std::vector<FaultKind> kinds)
    : kinds_(std::move(kinds)), catalog_(entries_of(kinds_)) {}

const FaultKind* FaultKinds::find(const std::string& name) const {
  for (const FaultKind& kind : kinds_) {
    if (kind.entry.name == name) return &kind;
  }
  return nullptr;
}

Result<std::unique_ptr<Fault>> FaultKinds::make(const FaultSpec& spec, const std::string& node,
                                                FaultContext& context) const {
  const FaultKind* kind = find(spec.kind);
  if (kind == nullptr || !kind->make) {
    return Status::error("fault " + spec.kind + ": not implemented in this build");
  }
  return kind->make(spec, node, context);
}

Status FaultKinds::preflight(const std::vector<FaultSpec>& faults, const Place& place) const {
  for (const FaultSpec& f : faults) {
    const FaultKind* kind = find(f.kind);
    if (kind == nullptr || !kind->preflight) continue;
    if (Status s = kind->preflight(f, place); !s) {
      return Status::error("fault[" + std::to_string(f.index) + "] " + f.kind + " refused: " + s.message());
    }
  }
  return Status::ok();
}

}  // namespace firedrill
