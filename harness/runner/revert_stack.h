// The undo stack of a drill: every fault made is pushed here before it is applied (STYLE.md
// habit 2: the revert is registered first), and reverted either on its own schedule or, on every
// way out of the fault phase (the planned end, an abort, a stop condition), with all the others
// not yet reverted, newest first, one after another. Each revert's start and its verified end go
// on the timeline ("fault" / "revert", "reverted" or "revert_failed").
// Runs on the runner's io_context thread. Entries never move (a deque), so a revert in flight
// keeps its entry.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "runner/fault_wiring.h"

namespace firedrill {

class Console;
class Timeline;

// How a step that failed is reported: counted, recorded as ("harness", "error"), said.
using FailureSink = std::function<void(const std::string& where, const Status& status)>;

class RevertStack {
 public:
  RevertStack(Timeline& timeline, Console& console, FailureSink fail);

  // Registers the revert of fault `index` of `kind` made for `node` (records
  // FaultRevertRegistered) and returns the fault, which the stack owns from now on.
  Fault& push(int index, const std::string& kind, const std::string& node, std::unique_ptr<Fault> fault);
  // The scheduled revert of fault `index`, unless it is already under way.
  void revert_scheduled(int index);
  // Reverts every fault not yet under way, newest first, one after another; then `then`.
  void revert_all(std::function<void()> then);

  // Faults whose revert was verified.
  int64_t reverted() const;
  // "kind@node, kind@node" of the faults not reverted; "" when none.
  std::string active() const;

 private:
  struct Entry {
    int index = 0;
    std::unique_ptr<Fault> fault;
    bool reverting = false;
    bool reverted = false;
  };

  void revert_one(Entry& entry, std::function<void()> then);
  void revert_below(std::size_t count, std::function<void()> then);

  Timeline& timeline_;
  Console& console_;
  FailureSink fail_;
  std::deque<Entry> entries_;
};

}  // namespace firedrill
