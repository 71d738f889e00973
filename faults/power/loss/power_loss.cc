// power.loss; see power_loss.h.
#include "power/loss/power_loss.h"

#include "fault_kind.h"
#include "kill_nodes.h"

namespace firedrill {
namespace {

int64_t torn_block_bytes(const std::string& torn) {
  if (torn == "sector") return 512;
  if (torn == "page") return 4096;
  return 0;
}

class PowerLoss : public Fault {
 public:
  PowerLoss(const FaultSpec& spec, const std::string& nodes, FaultContext& context)
      : node_(nodes), nodes_(split_nodes(nodes)), context_(context),
        cut_{torn_block_bytes(parameter_or<std::string>(spec, "torn", "none")),
             static_cast<uint64_t>(parameter_or<int64_t>(spec, "seed", 1))} {}
  const std::string& kind() const override { return kind_; }
  const std::string& node() const override { return node_; }

  // Every node dies first: a volume is cut only once nothing writes to it.
  void apply(FaultDone done) override {
    kill_nodes(context_.place, nodes_, [this, done = std::move(done)](Status s, boost::json::array killed) {
      boost::json::object evidence{{"nodes", std::move(killed)}};
      if (!s) return done(s.with_context("power.loss"), std::move(evidence));
      cut_next(0, std::move(evidence), std::make_shared<boost::json::array>(), done);
    });
  }

  // The power is back: every node starts on what its volume kept.
  void revert(FaultDone done) override {
    context_.place.restart_nodes(nodes_, [this, done = std::move(done)](Status s, Evidence) {
      done(s.with_context("power.loss revert: " + node_), {{"nodes", node_}, {"restarted", s.is_ok()}});
    });
  }

 private:
  void cut_next(std::size_t i, boost::json::object evidence, std::shared_ptr<boost::json::array> volumes,
                FaultDone done) {
    if (i == nodes_.size()) {
      int64_t bytes = 0;
      for (const auto& v : *volumes) bytes += v.as_object().at("bytes_discarded").to_number<int64_t>();
      evidence["bytes_discarded"] = bytes;
      evidence["volumes"] = *volumes;
      if (cut_.torn_block_bytes > 0) evidence["torn"] = {{"block_bytes", cut_.torn_block_bytes}, {"seed", cut_.seed}};
      return done(Status::ok(), std::move(evidence));
    }
    context_.place.cut_power(nodes_[i], cut_, [this, i, evidence, volumes, done](Status s, Evidence volume) mutable {
      if (volume.contains("bytes_discarded")) volumes->push_back(std::move(volume));
      if (!s) {
        evidence["volumes"] = *volumes;
        return done(s.with_context("power.loss"), std::move(evidence));
      }
      cut_next(i + 1, std::move(evidence), volumes, done);
    });
  }

  const std::string kind_ = "power.loss";
  std::string node_;
  std::vector<std::string> nodes_;
  FaultContext& context_;
  PowerCut cut_;
};

void check(const FaultCheck& c) {
  const auto it = c.fault.parameters.find("torn");
  if (it == c.fault.parameters.end()) return;
  const std::string torn = std::get<std::string>(it->second);
  if (torn != "none" && torn != "sector" && torn != "page") {
    c.error("torn", "is \"" + torn + "\"; expected \"none\", \"sector\" (512 bytes) or \"page\" (4096 bytes)");
  }
}

}  // namespace

FaultKind power_loss_kind() {
  return fault_kind(
      {"power.loss",
       "cut a node's power: its processes die and every write its volume had not made durable is gone",
       "SIGKILL to the node's processes; then its volume (firedrill's durability-tracking FUSE filesystem) "
       "discards what was not durable: data since the file's last fsync/fdatasync (O_SYNC/O_DSYNC writes are "
       "durable), names made, removed or renamed since their directory's last fsync; with `torn`, the newest "
       "write of each file keeps a seeded number of leading sectors or pages",
       "every process is reaped and the discard is done (bytes and files lost are the evidence)",
       "when `duration` has passed: the node is started again on what survived",
       "the lab's own mounts: FUSE as root, or in the lab's user namespace where the kernel allows it"},
      {.needs_duration = true,
       .parameters = {{"torn", FaultParameterType::string, false, "none",
                       "\"none\": each non-durable write is lost whole; \"sector\" (512 B) or \"page\" (4 KiB): "
                       "the newest of each file keeps a seeded number of its leading blocks"},
                      {"seed", FaultParameterType::integer, false, "1", "the seed of the torn writes"}},
       .whole_static_role = true,
       .resource = "process",  // it kills the nodes and owns them until the power is back
       .reaches_durability = true,
       .check = check},
      fault_factory<PowerLoss>(),
      [](const FaultSpec&, const Place& place) { return place.can_cut_power().with_context("power.loss"); });
}

}  // namespace firedrill
