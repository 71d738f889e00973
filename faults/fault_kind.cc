// fault_kind; see fault_kind.h.
#include "fault_kind.h"

namespace firedrill {

FaultKind fault_kind(KindText text, FaultKindEntry rules, FaultFactory make, FaultPreflight preflight) {
  rules.name = std::move(text.name);
  rules.summary = std::move(text.summary);
  rules.mechanism = std::move(text.mechanism);
  rules.verified_by = std::move(text.verified_by);
  rules.reverted_by = std::move(text.reverted_by);
  rules.privileges = std::move(text.privileges);
  return FaultKind{std::move(rules), std::move(make), std::move(preflight)};
}

}  // namespace firedrill
