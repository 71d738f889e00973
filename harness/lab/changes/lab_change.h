// What the lab's changes share (internal to harness/lab): the lab's parts a change acts on, and
// the change itself, an apply / revert pair that LabPlace keeps under its ChangeId.
//
// Each change is one mechanism of DESIGN.md §2 (blackhole routes, link down, a TBF or netem
// qdisc, a ballast file, a clock page, a flipped backup byte); its header comment in the .cc says
// what it needs and what revert restores. apply() and revert() report once, verified, within the
// step deadline; revert() is idempotent and succeeds when the target is gone.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "place/place.h"

namespace boost::asio {
class io_context;
}

namespace firedrill {

class LabNetwork;
class Supervisor;
class Volumes;

// The lab's parts. Owned by the runner (network and volumes from lab up on; empty before).
struct LabContext {
  boost::asio::io_context& io;
  Supervisor& supervisor;
  std::chrono::milliseconds step_deadline{5'000};
  // The lab's network (node namespaces, addresses; "client" is the controller).
  const LabNetwork* network = nullptr;
  // The nodes' tmpfs volumes.
  Volumes* volumes = nullptr;
  // The node's clock control page (empty: the node runs without the clock shim, which no clock
  // fault of the plan could reach), and the shim's canonical path (the witness preloads it;
  // /proc/PID/maps shows it in a node that loads it).
  std::function<std::string(const std::string& node)> clock_control;
  std::string clock_shim;
  // The node's directory in the drill's backup store ({backup_dir}).
  std::function<std::string(const std::string& node)> backup_dir;
  // Runs a node action to completion (the runner renders it and records it on the timeline).
  std::function<void(const ActionRequest&, std::function<void(ActionOutcome)>)> run_action;
};

// The ballast's and the probe's names inside a node's volume (make_volume_fill).
inline constexpr const char* disk_ballast_name = ".firedrill-ballast";
inline constexpr const char* disk_probe_name = ".firedrill-probe";

// One change the lab made for a fault.
class LabChange {
 public:
  virtual ~LabChange() = default;
  virtual void apply(PlaceDone done) = 0;
  virtual void revert(PlaceDone done) = 0;
};

std::unique_ptr<LabChange> make_link_cut(LabContext& context, LinkCut cut);
std::unique_ptr<LabChange> make_node_isolation(LabContext& context, std::string node);
std::unique_ptr<LabChange> make_link_shape(LabContext& context, std::string node, const LinkShape& shape);
std::unique_ptr<LabChange> make_volume_fill(LabContext& context, std::string node, int64_t percent);
std::unique_ptr<LabChange> make_backup_corruption(LabContext& context, std::string node, std::string pattern);
std::unique_ptr<LabChange> make_clock_move(LabContext& context, std::string node, const ClockSetting& setting);

// Ok when the running kernel can add a netem qdisc (tried on "lo" of a throwaway network
// namespace made on a helper thread, so nothing of the caller's changes); otherwise an error
// saying "this kernel lacks netem (CONFIG_NET_SCH_NETEM)", or why the check itself failed.
// Needs CAP_SYS_ADMIN (unshare) and CAP_NET_ADMIN. Takes a few milliseconds.
Status netem_available();

}  // namespace firedrill
