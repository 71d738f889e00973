// make_place_change_fault and place_change_factory; see place_change_fault.h.
#include "place_change_fault.h"

namespace firedrill {
namespace {

class PlaceChangeFault : public Fault {
 public:
  PlaceChangeFault(std::string kind, int index, std::string node, FaultContext& context, PlaceStep apply,
                   PlaceStep revert)
      : kind_(std::move(kind)), index_(index), node_(std::move(node)), context_(context),
        apply_(std::move(apply)), revert_(std::move(revert)) {}
  const std::string& kind() const override { return kind_; }
  const std::string& node() const override { return node_; }
  void apply(FaultDone done) override { apply_(context_.place, index_, std::move(done)); }
  void revert(FaultDone done) override { revert_(context_.place, index_, std::move(done)); }

 private:
  std::string kind_;
  int index_;
  std::string node_;
  FaultContext& context_;
  PlaceStep apply_;
  PlaceStep revert_;
};

}  // namespace

std::unique_ptr<Fault> make_place_change_fault(const FaultSpec& spec, std::string node, FaultContext& context,
                                               PlaceStep apply, PlaceStep revert) {
  return std::make_unique<PlaceChangeFault>(spec.kind, spec.index, std::move(node), context, std::move(apply),
                                            std::move(revert));
}

FaultFactory place_change_factory(PlaceNodeChange change, PlaceUndo undo) {
  return [change, undo](const FaultSpec& spec, const std::string& node, FaultContext& context) {
    return make_place_change_fault(
        spec, node, context,
        [change, node](Place& place, ChangeId id, PlaceDone done) { (place.*change)(id, node, std::move(done)); },
        [undo](Place& place, ChangeId id, PlaceDone done) { (place.*undo)(id, std::move(done)); });
  };
}

}  // namespace firedrill
