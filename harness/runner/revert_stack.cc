// The undo stack of faults; see revert_stack.h.
#include "runner/revert_stack.h"

#include <boost/json.hpp>

#include "runner/console.h"
#include "timeline/timeline.h"

namespace json = boost::json;

namespace firedrill {

RevertStack::RevertStack(Timeline& timeline, Console& console, FailureSink fail)
    : timeline_(timeline), console_(console), fail_(std::move(fail)) {}

Fault& RevertStack::push(int index, const std::string& kind, const std::string& node, std::unique_ptr<Fault> fault) {
  entries_.push_back(Entry{index, std::move(fault)});
  timeline_.write(FaultRevertRegistered{.fault = index, .fault_kind = kind, .node = node});
  return *entries_.back().fault;
}

void RevertStack::revert_scheduled(int index) {
  for (Entry& entry : entries_) {
    if (entry.index == index && !entry.reverting) return revert_one(entry, [] {});
  }
}

void RevertStack::revert_all(std::function<void()> then) { revert_below(entries_.size(), std::move(then)); }

// Reverts the newest of the first `count` entries not yet under way, then the ones below it.
void RevertStack::revert_below(std::size_t count, std::function<void()> then) {
  while (count > 0 && entries_[count - 1].reverting) --count;
  if (count == 0) return then();
  revert_one(entries_[count - 1], [this, count, then = std::move(then)]() mutable {
    revert_below(count - 1, std::move(then));
  });
}

void RevertStack::revert_one(Entry& entry, std::function<void()> then) {
  if (entry.reverting) return then();
  entry.reverting = true;
  const int64_t started = timeline_.now_ns();
  Fault& fault = *entry.fault;
  timeline_.write(FaultRevert{.fault = entry.index, .fault_kind = fault.kind(), .node = fault.node()});
  console_.say("revert fault[" + std::to_string(entry.index) + "] " + fault.kind() + " on " + fault.node());
  fault.revert([this, &entry, started, then = std::move(then)](Status s, json::object evidence) {
    entry.reverted = s.is_ok();
    timeline_.write(fault_revert_outcome(s.is_ok(), {.fault = entry.index,
                                                     .fault_kind = entry.fault->kind(),
                                                     .verified = s.is_ok(),
                                                     .started_ns = started,
                                                     .evidence = std::move(evidence),
                                                     .error = s.message()}));
    if (!s) fail_("fault[" + std::to_string(entry.index) + "] revert", s);
    then();
  });
}

int64_t RevertStack::reverted() const {
  int64_t count = 0;
  for (const Entry& entry : entries_) count += entry.reverted ? 1 : 0;
  return count;
}

std::string RevertStack::active() const {
  std::string active;
  for (const Entry& entry : entries_) {
    if (!entry.reverted) active += (active.empty() ? "" : ", ") + entry.fault->kind() + "@" + entry.fault->node();
  }
  return active;
}

}  // namespace firedrill
