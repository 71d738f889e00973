// The fault kinds as the scenario loader and the planner see them: their catalog entries (names,
// parameters and their types, what `firedrill faults` lists) and the checks each kind adds beyond
// types, as plain data and std::function hooks.
//
// The loader sits below harness/fault in the layering, so it never sees a fault class or the
// registry: the caller hands it a FaultCatalog (dependency injection). The `firedrill` executable
// fills one from the registry (harness/fault: builtin_fault_kinds().catalog()); a test may build
// its own. The loader and the planner hold no per-kind `if`: what differs between kinds is here.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "scenario/scenario.h"

namespace firedrill {

enum class FaultParameterType {
  duration,     // "5s"
  signal,       // "SIGKILL", "SIGTERM", ...
  string,
  integer,
  percent,      // 1 .. 100
  bandwidth,    // "1mbit", "512kbit", "10mbit": bits per second
  offset,       // a signed duration: "+10m", "-90s"
  number,       // a positive decimal, e.g. a clock rate of 1.5
  node_groups,  // [["ledger-1"], ["ledger-2", "client"]]: nodes, "client" or "role:NAME"
  node_list,    // ["ledger-1", "client"]
};

struct FaultParameter {
  std::string name;
  FaultParameterType type = FaultParameterType::string;
  bool required = false;
  std::string default_text;  // as a user would write it; empty when there is no default
  std::string help;
};

// What a kind's own check sees of one [[fault]] entry once its keys were read with their types,
// and how it reports a defect (at the key's file:line:column, as every loader diagnostic).
struct FaultCheck {
  const FaultSpec& fault;
  const Scenario& scenario;  // [drill] and [system] as read so far
  bool at_given = false;     // `at` was read (fault.at is meaningful)
  // Whether the entry writes `key` at all (a key written with a bad value is already reported).
  std::function<bool(const std::string& key)> written;
  std::function<void(const std::string& key, const std::string& message)> error;
};

// One fault kind's catalog entry. Every field has a default, so an entry written with designated
// initializers names only what differs.
struct FaultKindEntry {
  std::string name{};         // as written in [[fault]] kind = "..."
  std::string summary{};      // one line
  std::string mechanism{};    // how it is made real
  std::string verified_by{};  // what observation makes it T0
  std::string reverted_by{};
  std::string privileges{};
  // True when the fault lasts for a `duration` that the scenario must give.
  bool needs_duration = false;
  std::vector<FaultParameter> parameters{};
  // False for kinds that act on several nodes named in their parameters (network.partition).
  bool needs_target = true;
  // True when a static-role target ("role:ledger") means every node with the role at once
  // (storage.loss: the site is lost); otherwise a role target is one node.
  bool whole_static_role = false;
  // What the kind takes over on its target ("process", "qdisc", "link", "volume", "clock",
  // "backups"): two faults over the same resource of the same target at overlapping times
  // cannot both be made real. Empty: any number may overlap (network.partition).
  std::string resource{};
  // True when the fault moves a node's clock: the nodes it can land on run with the clock shim.
  bool reaches_clock = false;
  // True when the fault cuts a node's power: the nodes it can land on get the durability-tracking
  // volume (lab/durable/); the others keep a plain tmpfs.
  bool reaches_durability = false;
  // True when the fault fills a node's volume (disk.full): a durability-tracking volume it can
  // reach writes through (ENOSPC at write(2), as on a local disk), without the kernel's cache.
  bool fills_volume = false;
  // The kind's checks beyond types (e.g. partition groups disjoint); empty: none.
  std::function<void(const FaultCheck&)> check{};
};

// The kinds a scenario may name, in the order `firedrill faults` lists them.
class FaultCatalog {
 public:
  FaultCatalog() = default;
  explicit FaultCatalog(std::vector<FaultKindEntry> kinds) : kinds_(std::move(kinds)) {}
  const std::vector<FaultKindEntry>& kinds() const { return kinds_; }
  // The kind named `name`, or nullptr.
  const FaultKindEntry* find(const std::string& name) const;

 private:
  std::vector<FaultKindEntry> kinds_;
};

// "SIGKILL" → 9; -1 for a name firedrill does not send.
int signal_number(const std::string& name);

// A check for kinds that run a node action named by parameter `key` (storage.loss `restore`,
// process.kill `while_stopped`): every node the target may act on declares it in its
// [node.actions] ("none" means no action). `hint_if_default` is added to the message when the
// entry does not write `key` (the kind's default named the action).
void check_node_action(const FaultCheck& check, const std::string& key,
                       const std::string& hint_if_default);

}  // namespace firedrill
