// The place the system runs: the one interface between fault kinds (faults/) and wherever the
// nodes live (DESIGN.md §2a). Today's lab (namespaces, tmpfs volumes, netlink routes and qdiscs,
// supervised processes, clock pages) is one implementation (harness/lab/lab_place.h); nodes on
// remote hosts over SSH (an nftables table per run, tc, ballast files, signals, the service
// manager, commands over one multiplexed connection per host) are meant to be the next. Planning,
// scoring and reports never see which place ran: they read the timeline, and every step of a
// place ends with evidence for it.
//
// Every operation is asynchronous and "done" means *verified*: it reports ok only once its effect
// is observed (a process reaped, a probe across a cut failing, ENOSPC on the volume, a clock read
// showing the offset), or an error "what: which: why" when its step deadline passes first. Either
// way it reports exactly once, with what it observed (the evidence), on the controller's
// io_context thread; a lab step may report before the call returns. A remote place adds its own
// uncertainty (each step's round trip) to the evidence.
//
// Changes a place makes on a fault's behalf (routes, qdiscs, ballasts, clocks, corrupted bytes)
// are named by a ChangeId the caller chooses (the fault's index in the scenario), so that an undo
// removes exactly that change and nothing another fault made. Undoing a change that was never
// made, or whose target is gone, succeeds (STYLE.md habit 2). A place that outlives the
// controller (a remote host) arms its own undo before it makes a change (a dead-man's switch).
//
// Thread-safety: none; call from the controller's io_context thread. The place outlives every
// fault made against it.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace firedrill {

// What a step observed, for the timeline (a fault's evidence).
using Evidence = boost::json::object;
// How one step of a place ends: ok once its effect is verified; the evidence either way.
using PlaceDone = std::function<void(Status status, Evidence evidence)>;
// Names a change the place made for a fault (the fault's index), so its undo touches only that.
using ChangeId = int;
// The member name of the controller itself in links and probes: where the workload runs.
inline const std::string place_client = "client";

// How to launch one node: what the system definition says, rendered. The place adds where it
// runs (a network namespace and a volume in the lab, a host and a service unit over SSH).
struct NodeLaunch {
  std::string name;
  std::vector<std::string> argv;               // argv[0] is the executable's path
  std::map<std::string, std::string> env;      // the whole environment
  std::string stdout_path;                     // appended to; empty: discarded
  std::string stderr_path;
  std::string working_dir;                     // empty: the place's default
};

// A node's main process as the place sees it now.
struct ProcessState {
  bool running = false;
  int pid = 0;         // 0 when not running
  char state = '?';    // /proc/PID/stat's letter: 'R', 'S', 'T' when stopped, ...; '?' unknown
};

// A node action ([node.actions] of the system definition) run to completion for a fault.
struct ActionRequest {
  int fault = 0;         // the asking fault's index, for the timeline
  std::string node;
  std::string action;    // e.g. "restore", "cold_backup"
  std::string purpose;   // why: "restore" (storage.loss), "while_stopped" (process.kill)
};

// How an action ended; its start and end are on the timeline (source "action").
struct ActionOutcome {
  bool succeeded = false;      // ran and exited 0
  std::string error;           // could not start, unknown action, exit status, timeout
  int exit_code = -1;
  boost::json::value output;   // the last line of its stdout when that line is JSON; else null
  int64_t duration_ns = 0;
};

// A cut of the network between resolved members (node names or place_client).
struct LinkCut {
  std::vector<std::vector<std::string>> sides;  // two or more disjoint groups
  bool both_ways = true;                        // false: only sides[0] may not send to sides[1]
};

// What a link is limited to: one of a rate, a delay or a loss share.
struct LinkShape {
  enum class Kind { bandwidth, delay, loss };
  Kind kind = Kind::bandwidth;
  int64_t rate_bits_per_s = 0;                  // bandwidth (both directions of the node's link)
  std::chrono::milliseconds delay{0};           // delay (the node's egress)
  int64_t loss_percent = 0;                     // loss (the node's egress), 1..100
};

// What one reachability probe saw (a TCP connect() from one member to another).
struct ProbeReport {
  bool reachable = false;  // the peer answered (connected, or refused: nothing listens)
  std::string result;      // "connected", "ECONNREFUSED (Connection refused)", "timed out"
  Evidence evidence;       // from, to, address, port, result, elapsed_us
};

// Where a node's wall clock is moved to: `offset` ahead from now, running `rate` times as fast.
struct ClockSetting {
  std::chrono::milliseconds offset{0};
  double rate = 1.0;
};

// The round trips of a remote place's commands over a span of time (a fault step): how many, the
// largest (the step's uncertainty) and their sum.
struct RoundTrips {
  int64_t commands = 0;
  int64_t max_us = 0;
  int64_t total_us = 0;
};

// How a power cut treats each file's newest write not yet durable: lost whole, or torn at a
// block boundary (a seeded number of its leading blocks kept).
struct PowerCut {
  int64_t torn_block_bytes = 0;  // 0: not torn; 512 (a sector) or 4096 (a page)
  uint64_t seed = 0;
};

class Place {
 public:
  virtual ~Place() = default;

  // A remote place's measure of its own steps: a mark now, and the round trips of the commands
  // it sent since the mark. A local place (the lab) sends none.
  virtual uint64_t round_trip_mark() const { return 0; }
  virtual RoundTrips round_trips_since(uint64_t /*mark*/) const { return {}; }

  // What the place can do, asked before anything starts (a scenario it cannot honour is refused
  // then, never half-run): ok, or why not ("this kernel lacks netem (CONFIG_NET_SCH_NETEM)").
  virtual Status can_shape(LinkShape::Kind kind) const = 0;

  // ---- nodes and their processes ----
  // Starts a node; verified when its process runs.
  virtual void start_node(const NodeLaunch& launch, PlaceDone done) = 0;
  // The node's main process now.
  virtual void process_state(const std::string& node,
                             std::function<void(Result<ProcessState>)> done) = 0;
  // Sends `signal` to the node's processes (its group); with `expect_exit` the exit it causes is
  // not reported as a crash. Verified when sent; wait_exit / wait_state verify the effect.
  virtual void signal_node(const std::string& node, int signal, bool expect_exit,
                           PlaceDone done) = 0;
  // Verified when every node of `nodes` has exited (reaped).
  virtual void wait_exit(const std::vector<std::string>& nodes, PlaceDone done) = 0;
  // Verified when the node's state letter is `state` (`in_state`) or is not (`!in_state`; a node
  // that is gone counts as not in it).
  virtual void wait_state(const std::string& node, char state, bool in_state, PlaceDone done) = 0;
  // Starts the nodes again as they were last launched (a service manager's restart); verified
  // when every one runs. A node that runs already is left alone.
  virtual void restart_nodes(const std::vector<std::string>& nodes, PlaceDone done) = 0;
  // Runs a node action to completion within the node's action_timeout.
  virtual void run_action(const ActionRequest& request,
                          std::function<void(ActionOutcome)> done) = 0;

  // ---- links ----
  // Cuts the members apart; verified when a probe across the cut fails.
  virtual void cut_links(ChangeId change, const LinkCut& cut, PlaceDone done) = 0;
  // Removes exactly that cut; verified when the probe gets through again.
  virtual void restore_links(ChangeId change, PlaceDone done) = 0;
  // Takes the node off the network entirely; verified when the controller cannot reach it.
  virtual void isolate_node(ChangeId change, const std::string& node, PlaceDone done) = 0;
  // Puts it back; verified when it is reachable again.
  virtual void reconnect_node(ChangeId change, PlaceDone done) = 0;
  // Limits the node's link; verified by reading the limit back.
  virtual void shape_link(ChangeId change, const std::string& node, const LinkShape& shape,
                          PlaceDone done) = 0;
  // Removes exactly that limit; verified by its absence.
  virtual void unshape_link(ChangeId change, PlaceDone done) = 0;

  // One reachability probe from `from` to `to` (members as in LinkCut), within the place's
  // probe timeout. An error only when the probe itself could not be made.
  virtual void probe(const std::string& from, const std::string& to,
                     std::function<void(Result<ProbeReport>)> done) = 0;

  // ---- volumes and backups ----
  // Fills the node's data volume to `percent` (1..100); verified at 100 by a write getting
  // ENOSPC, below by the volume's use.
  virtual void fill_volume(ChangeId change, const std::string& node, int64_t percent,
                           PlaceDone done) = 0;
  // Gives that space back; verified by the free space and a write that succeeds.
  virtual void unfill_volume(ChangeId change, PlaceDone done) = 0;
  // Removes everything on the node's volume (the disk is lost; kill the node first); verified
  // when it is empty.
  virtual void empty_volume(const std::string& node, PlaceDone done) = 0;
  // Inverts one byte of the newest file of the node's backups matching the glob `pattern`
  // (waiting for one to appear); verified by reading it back.
  virtual void corrupt_backup(ChangeId change, const std::string& node, const std::string& pattern,
                              PlaceDone done) = 0;
  // Puts the byte back if the file still holds the inverted one.
  virtual void repair_backup(ChangeId change, PlaceDone done) = 0;

  // ---- power ----
  // Whether the place can cut a node's power (a volume that tracks durability): ok, or why not.
  virtual Status can_cut_power() const {
    return Status::error("power.loss needs the lab's durability-tracking volume; this place has none (hosts over SSH)");
  }
  // Discards everything the node's volume had not made durable, as a power cut would, and keeps
  // the volume ready for a restart. The node must be dead (SIGKILL and wait_exit first). Evidence:
  // the bytes and files lost, the names undone, and the node's writes and fsyncs so far.
  virtual void cut_power(const std::string& node, const PowerCut& /*cut*/, PlaceDone done) {
    done(can_cut_power(), {{"node", node}});
  }

  // ---- clocks ----
  // Moves the node's wall clock (monotonic time stays real); verified by a read through the
  // node's own clock (the node's read, or a witness's through the same mechanism). Refused for a
  // node the place cannot reach with a clock change.
  virtual void move_clock(ChangeId change, const std::string& node, const ClockSetting& setting,
                          PlaceDone done) = 0;
  // Sets that node's clock back to real time; verified the same way.
  virtual void reset_clock(ChangeId change, PlaceDone done) = 0;
};

}  // namespace firedrill
