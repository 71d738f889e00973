// The shape most fault kinds share: the fault is one change of the place, asked for by apply()
// and undone by revert(), keyed by the fault's index (ChangeId) so the undo touches nothing else.
// network.isolate, network.bandwidth / delay / loss, disk.full, clock.skew and backup.corrupt are
// this class with their own pair of Place operations: their factory is one place_change_factory()
// call naming the two operations (and, for a change with a setting, how to read it from the spec).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>

#include "fault_kind.h"

namespace firedrill {

// One Place call of a change: `change` is the fault's index.
using PlaceStep = std::function<void(Place& place, ChangeId change, PlaceDone done)>;

// A fault of kind `spec.kind` on `node` whose apply is `apply` and whose revert is `revert`.
std::unique_ptr<Fault> make_place_change_fault(const FaultSpec& spec, std::string node, FaultContext& context,
                                               PlaceStep apply, PlaceStep revert);

// The Place operations a change is made of: the undo (Place::unfill_volume, ...), and the change
// itself on a node, without a setting (Place::isolate_node) or with one (Place::fill_volume).
using PlaceUndo = void (Place::*)(ChangeId change, PlaceDone done);
using PlaceNodeChange = void (Place::*)(ChangeId change, const std::string& node, PlaceDone done);
template <typename Setting>
using PlaceNodeSettingChange = void (Place::*)(ChangeId change, const std::string& node, Setting setting,
                                               PlaceDone done);

// The factory of a kind whose fault is `change` on the target node, undone by `undo`.
FaultFactory place_change_factory(PlaceNodeChange change, PlaceUndo undo);

// The same for a change with a setting: `read(spec)` gives it (e.g. the percent of disk.full).
template <typename Setting, typename Read>
FaultFactory place_change_factory(PlaceNodeSettingChange<Setting> change, Read read, PlaceUndo undo) {
  return [change, read, undo](const FaultSpec& spec, const std::string& node, FaultContext& context) {
    const std::decay_t<Setting> setting = read(spec);
    return make_place_change_fault(
        spec, node, context,
        [change, node, setting](Place& place, ChangeId id, PlaceDone done) {
          (place.*change)(id, node, setting, std::move(done));
        },
        [undo](Place& place, ChangeId id, PlaceDone done) { (place.*undo)(id, std::move(done)); });
  };
}

}  // namespace firedrill
