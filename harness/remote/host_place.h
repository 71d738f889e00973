// Nodes on hosts over SSH as a Place (harness/place/place.h; DESIGN.md §2a): the second place,
// beside the lab. One RemoteShell per host for the whole drill; every step is a short script of
// firedrill's own over it (harness/remote/host_scripts.h), verified on the host, with its round
// trip in the evidence ("round_trip_us", the step's uncertainty).
//
// Nodes: a *started* node is run by firedrill (`setsid`, its own session and process group, its
// output in the host's work directory, fetched into the run directory's logs/ at the end) and
// stopped at the end; an *attached* node already runs (a systemd unit, say): its pid comes from
// the definition's `pid_command`, a restart is its `start`, and it is never stopped at the end.
// The hosts' process states are read every kHostPollMs (one command per host); an exit that
// firedrill did not cause is reported as unexpected, as the lab's supervisor does.
//
// Nothing left behind: every change is armed on its host as a dead-man's switch before it is
// made (remote/dead_mans_switch.h), due at its fault's end plus a grace period, and disarmed by
// its normal undo. A host-wide switch (the drill's) watches a heartbeat file the controller
// touches as it polls: once the controller has been silent for [ssh] heartbeat_grace it stops the
// nodes firedrill started and deletes firedrill's nftables table.
//
// Thread-safety: none; the controller's io_context thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "place/place.h"
#include "remote/remote_shell.h"
#include "scenario/scenario.h"
#include "supervision/supervisor.h"

namespace boost::asio {
class io_context;
}

namespace firedrill {

struct HostPlaceSetup {
  boost::asio::io_context& io;
  const SystemDefinition& system;  // every node on a host; outlives the place
  std::string run_id;              // names the nft table, the switches and the host's work directory
  std::chrono::milliseconds step_deadline{5'000};
  // Every start, failed start and exit of a node, as the lab's supervisor reports them.
  std::function<void(const ProcessEvent&)> on_event;
  // The nodes that run with the clock shim (the plan's clock_shim_nodes): their control pages are
  // made on their hosts at connect().
  std::vector<std::string> clock_nodes;
  // A host whose session ended in the middle of the drill (its switches undo its changes).
  std::function<void(const std::string& host, const std::string& why)> on_host_lost;
  // How long from now the switch of change `id` waits before it reverts by itself (the fault's
  // planned end plus a grace); id -1: a change of no fault's own (a paused node's SIGCONT).
  std::function<std::chrono::milliseconds(ChangeId id)> switch_delay;
};

class HostPlace : public Place {
 public:
  explicit HostPlace(HostPlaceSetup setup);
  ~HostPlace() override;

  // Opens every host's session, checks that each has `tools` (exit 3 material: the error names
  // the host and every missing tool), makes the host's work directory and arms its host-wide
  // switch; then starts the polls. Before anything else.
  void connect(const std::vector<std::string>& tools, std::function<void(Status)> done);
  // The node's process runs (as last polled).
  bool running(const std::string& node) const;
  // Stops every started node (SIGTERM to its group, SIGKILL after `grace`), copies their logs
  // into `logs_dir` (NODE.out, NODE.err), deletes the drill's nft table and disarms the host-wide
  // switches. Attached nodes are left running. Errors are collected, never stop the rest.
  void finish(const std::string& logs_dir, std::chrono::milliseconds grace, std::function<void(Status)> done);
  // Who runs a node action (the runner's NodeActions, which renders it and records it and then
  // calls run_task); before the first fault.
  void set_action_runner(std::function<void(const ActionRequest&, std::function<void(ActionOutcome)>)> run);
  // The work directory on `node`'s host (firedrill's files there: logs, pids, the heartbeat,
  // clock pages), one per host.
  std::string work_dir(const std::string& node) const;
  // {backup_store} on the hosts: the run's directory beside the work directories.
  std::string backup_store() const;
  // The clock shim's control page of `node` on its host.
  std::string clock_page(const std::string& node) const;

  uint64_t round_trip_mark() const override;
  RoundTrips round_trips_since(uint64_t mark) const override;

  Status can_shape(LinkShape::Kind kind) const override;

  void start_node(const NodeLaunch& launch, PlaceDone done) override;
  void process_state(const std::string& node, std::function<void(Result<ProcessState>)> done) override;
  void signal_node(const std::string& node, int signal, bool expect_exit, PlaceDone done) override;
  void wait_exit(const std::vector<std::string>& nodes, PlaceDone done) override;
  void wait_state(const std::string& node, char state, bool in_state, PlaceDone done) override;
  void restart_nodes(const std::vector<std::string>& nodes, PlaceDone done) override;
  void run_action(const ActionRequest& request, std::function<void(ActionOutcome)> done) override;
  // A node action's command line (rendered by the runner) run on the node's host, as a one-shot
  // task: the runner's NodeActions calls this, as it calls the lab supervisor's run_task.
  void run_task(const ProcessSpec& spec, std::chrono::milliseconds deadline,
                std::function<void(const TaskResult&)> done);

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

  struct State;  // host_place.cc and host_changes.cc

 private:
  std::shared_ptr<State> state_;
};

// Whether and how a fault kind works on hosts over SSH, for `firedrill faults` and the drill's
// preflight (a kind that does not is refused before anything starts).
struct HostSupport {
  bool supported = false;
  std::string how;  // what it does on the host, or why not
};
HostSupport host_support(const std::string& kind);

// The tools a host needs for a drill whose faults are `kinds` (always sh, setsid, kill, timeout).
std::vector<std::string> host_tools(const std::vector<std::string>& kinds);

}  // namespace firedrill
