// storage.loss; see storage_loss.h.
#include "storage/loss/storage_loss.h"

#include "fault_kind.h"
#include "kill_nodes.h"

namespace firedrill {
namespace {

class StorageLoss : public Fault {
 public:
  StorageLoss(const FaultSpec& spec, const std::string& nodes, FaultContext& context)
      : index_(spec.index), node_(nodes), nodes_(split_nodes(nodes)), context_(context),
        restore_(parameter_or<std::string>(spec, "restore", "restore")) {}
  const std::string& kind() const override { return kind_; }
  const std::string& node() const override { return node_; }

  // Every node dies first: the disk goes once its writer is dead.
  void apply(FaultDone done) override {
    kill_nodes(context_.place, nodes_, [this, done = std::move(done)](Status s, boost::json::array killed) {
      boost::json::object evidence{{"nodes", std::move(killed)}};
      if (!s) return done(s.with_context("storage.loss"), std::move(evidence));
      empty_next(0, std::move(evidence), std::make_shared<boost::json::array>(), done);
    });
  }

  void revert(FaultDone done) override {
    find_down(0, std::make_shared<std::vector<std::string>>(), std::move(done));
  }

 private:
  void empty_next(std::size_t i, boost::json::object evidence, std::shared_ptr<boost::json::array> volumes,
                  FaultDone done) {
    if (i == nodes_.size()) {
      evidence["volumes"] = *volumes;
      return done(Status::ok(), std::move(evidence));
    }
    context_.place.empty_volume(nodes_[i], [this, i, evidence, volumes, done](Status s, Evidence volume) mutable {
      if (volume.contains("entries_removed")) volumes->push_back(std::move(volume));
      if (!s) {
        evidence["volumes"] = *volumes;
        return done(s.with_context("storage.loss"), std::move(evidence));
      }
      empty_next(i + 1, std::move(evidence), volumes, done);
    });
  }

  // Collects the nodes that do not run; then restores them.
  void find_down(std::size_t i, std::shared_ptr<std::vector<std::string>> down, FaultDone done) {
    if (i < nodes_.size()) {
      return context_.place.process_state(nodes_[i], [this, i, down, done](Result<ProcessState> state) {
        if (!state || !state->running) down->push_back(nodes_[i]);
        find_down(i + 1, down, done);
      });
    }
    if (down->empty()) return done(Status::ok(), {{"nodes", node_}, {"already_running", true}});
    restore(*down, std::move(done));
  }

  // Runs every down node's restore action at once, then restarts them all.
  void restore(const std::vector<std::string>& down, FaultDone done) {
    auto pending = std::make_shared<std::size_t>(down.size());
    auto restores = std::make_shared<boost::json::object>();
    auto restored = [this, down, pending, restores, done](const std::string& node, boost::json::object outcome) {
      (*restores)[node] = std::move(outcome);
      if (--*pending == 0) restart(down, std::move(*restores), done);
    };
    for (const auto& node : down) {
      if (restore_ == "none") {
        restored(node, {{"action", "none"}});
        continue;
      }
      context_.place.run_action({index_, node, restore_, "restore"}, [node, restored, this](ActionOutcome o) {
        restored(node, {{"action", restore_}, {"succeeded", o.succeeded}, {"error", o.error},
                        {"duration_ms", static_cast<double>(o.duration_ns) / 1e6}, {"output", o.output}});
      });
    }
  }

  void restart(const std::vector<std::string>& nodes, boost::json::object restores, FaultDone done) {
    context_.place.restart_nodes(nodes, [this, restores = std::move(restores), done](Status s, Evidence) {
      done(s.with_context("storage.loss revert: " + node_), {{"restores", restores}});
    });
  }

  const std::string kind_ = "storage.loss";
  int index_;
  std::string node_;
  std::vector<std::string> nodes_;
  FaultContext& context_;
  std::string restore_;
};

void check(const FaultCheck& c) {
  check_node_action(c, "restore", " (the default); give restore = \"none\" to restart on the empty volume");
}

}  // namespace

FaultKind storage_loss_kind() {
  return fault_kind(
      {"storage.loss", "lose a node's disk: the process is killed and its data volume emptied; then restore it",
       "SIGKILL to the node's process, then everything in its tmpfs volume is removed",
       "the process is reaped and the volume is empty",
       "when `duration` has passed: the node's `restore` action rebuilds the volume from the system's backups "
       "(timed on the timeline), then the node is started again",
       "write access to the node's volume (the lab's own mount)"},
      {.needs_duration = true,
       .parameters = {{"restore", FaultParameterType::string, false, "restore",
                       "the node action that rebuilds the data directory before the restart; \"none\": "
                       "restart on the empty volume (the system re-syncs the node itself)"}},
       .whole_static_role = true,
       .resource = "process",  // it kills the node and owns it until restored
       .check = check},
      fault_factory<StorageLoss>());
}

}  // namespace firedrill
