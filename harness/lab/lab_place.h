// The lab as a Place (harness/place/place.h): nodes are supervised processes in their own network
// namespaces on this host, links are veth pairs on a bridge changed through netlink (blackhole
// routes, link state, TBF / netem qdiscs), volumes are tmpfs mounts filled with a ballast file,
// clocks are the clock shim's control pages, backups are files in the run directory's backup
// store (DESIGN.md §2). Nothing it changes outlives the controller: the namespaces die with it.
//
// Each change a fault asks for is one LabChange (harness/lab/changes/) kept under its ChangeId
// until the drill ends; undoing an id that was never applied succeeds with nothing to undo.
//
// The runner owns the lab's parts and sets them in context() as it brings the lab up (network and
// volumes after lab up; clock pages, the shim, the backup store and the action runner before any
// fault). Thread-safety: none; the controller's io_context thread only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lab/changes/lab_change.h"
#include "place/place.h"

namespace firedrill {

class LabPlace : public Place {
 public:
  LabPlace(boost::asio::io_context& io, Supervisor& supervisor);
  ~LabPlace() override;

  // The lab's parts the changes act on; the runner fills them as the lab comes up.
  LabContext& context() { return context_; }

  Status can_shape(LinkShape::Kind kind) const override;

  void start_node(const NodeLaunch& launch, PlaceDone done) override;
  void process_state(const std::string& node, std::function<void(Result<ProcessState>)> done) override;
  void signal_node(const std::string& node, int signal, bool expect_exit, PlaceDone done) override;
  void wait_exit(const std::vector<std::string>& nodes, PlaceDone done) override;
  void wait_state(const std::string& node, char state, bool in_state, PlaceDone done) override;
  void restart_nodes(const std::vector<std::string>& nodes, PlaceDone done) override;
  void run_action(const ActionRequest& request, std::function<void(ActionOutcome)> done) override;

  void cut_links(ChangeId change, const LinkCut& cut, PlaceDone done) override;
  void restore_links(ChangeId change, PlaceDone done) override;
  void isolate_node(ChangeId change, const std::string& node, PlaceDone done) override;
  void reconnect_node(ChangeId change, PlaceDone done) override;
  void shape_link(ChangeId change, const std::string& node, const LinkShape& shape, PlaceDone done) override;
  void unshape_link(ChangeId change, PlaceDone done) override;
  void probe(const std::string& from, const std::string& to,
             std::function<void(Result<ProbeReport>)> done) override;

  void fill_volume(ChangeId change, const std::string& node, int64_t percent, PlaceDone done) override;
  void unfill_volume(ChangeId change, PlaceDone done) override;
  void empty_volume(const std::string& node, PlaceDone done) override;
  void corrupt_backup(ChangeId change, const std::string& node, const std::string& pattern,
                      PlaceDone done) override;
  void repair_backup(ChangeId change, PlaceDone done) override;

  void move_clock(ChangeId change, const std::string& node, const ClockSetting& setting,
                  PlaceDone done) override;
  void reset_clock(ChangeId change, PlaceDone done) override;
  Status can_cut_power() const override;
  void cut_power(const std::string& node, const PowerCut& cut, PlaceDone done) override;

 private:
  // Keeps `made` under (`area`, `change`) and applies it.
  void apply_change(const std::string& area, ChangeId change, std::unique_ptr<LabChange> made, PlaceDone done);
  // Reverts the change under (`area`, `change`); `nothing` is the evidence when there is none.
  void revert_change(const std::string& area, ChangeId change, Evidence nothing, PlaceDone done);

  LabContext context_;
  std::map<std::pair<std::string, ChangeId>, std::unique_ptr<LabChange>> changes_;
};

}  // namespace firedrill
