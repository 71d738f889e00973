// What a HostPlace keeps (host_place.h), shared by its two files: host_place.cc (sessions, nodes,
// processes, tasks, the end) and host_changes.cc (links, shapes, volumes). Private to them.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "remote/dead_mans_switch.h"
#include "remote/host_place.h"
#include "remote/host_scripts.h"
#include "remote/remote_shell.h"
#include "remote/ssh_command.h"

namespace firedrill {

// One host: its session for the whole drill and its host-wide switch.
struct HostSession {
  std::string name;  // "root@10.77.0.11:22"
  SshEndpoint endpoint;
  // firedrill's directory on the host (logs, pids, the heartbeat, clock pages): per host, so
  // that hosts sharing a file system (the test bed) never share one.
  std::string work_dir;
  std::unique_ptr<RemoteShell> shell;
  ArmedSwitch drill_switch;
  bool lost = false;
  bool polling = false;  // a poll is in flight
  uint64_t reads = 0;    // state reads sent, for the heartbeat
  std::vector<std::string> nodes;
};

// One node as the place knows it.
struct HostNode {
  const NodeDefinition* definition = nullptr;
  HostSession* host = nullptr;
  NodeLaunch launch;         // the last start (started nodes)
  bool launched = false;     // firedrill started it (or attached to it) at least once
  bool running = false;
  int pid = 0;
  char state = '?';
  bool expect_exit = false;  // the next exit is the plan's
  int sent_signal = 0;       // the signal the plan sent, for the exit record
  ArmedSwitch stop_switch;   // armed while the node is paused (SIGCONT by itself)
  bool clock_shim = false;   // runs with the clock shim: its page is on the host
  uint64_t clock_generation = 0;  // the page's newest write (firedrill is its only writer)
};

// One change on one host, with its armed switch.
struct MadeChange {
  HostSession* host = nullptr;
  HostChange change;
  ArmedSwitch armed;
};

struct HostPlace::State : std::enable_shared_from_this<HostPlace::State> {
  explicit State(HostPlaceSetup s);

  // Runs `script` on `host` (direct: in the session's shell, for firedrill's own one-liners).
  void step(HostSession& host, std::string script, bool direct, RemoteShell::Done done);
  // Reads the state letters of `names` (all on `host`) now, updates them and reports starts and
  // exits; then `done`.
  void read_states(HostSession& host, std::vector<std::string> names, std::function<void(Status)> done);
  // Arms a switch for each change, makes it, verifies it; on a failure undoes what was made.
  void make_changes(const std::string& area, ChangeId id, std::vector<MadeChange> changes, Evidence evidence,
                    PlaceDone done);
  // Undoes the changes under (area, id), newest first, each then disarmed.
  void undo_changes(const std::string& area, ChangeId id, Evidence nothing, PlaceDone done);
  void poll();
  void emit(ProcessEvent::Kind kind, HostNode& node, int exit_signal = 0);

  HostNode* node(const std::string& name);
  std::string node_log(const std::string& node, const char* stream) const;
  std::string clock_page(const std::string& node) const;
  std::string address_of(const std::string& member) const;  // a node's host or the controller

  HostPlaceSetup setup;
  std::string run_dir;  // /var/tmp/firedrill/RUN on every host: the hosts' work directories and backup store
  std::map<std::string, HostSession> hosts;  // by endpoint text
  std::map<std::string, HostNode> nodes;
  std::map<std::pair<std::string, ChangeId>, std::vector<MadeChange>> changes;
  std::function<void(const ActionRequest&, std::function<void(ActionOutcome)>)> run_action;
  // The round trip of every command answered, newest last (the oldest dropped past
  // kRoundTripsKept); `round_trips_first` is the index of the first one kept.
  std::deque<int64_t> round_trips_us;
  uint64_t round_trips_first = 0;
  boost::asio::steady_timer poll_timer;
  bool finishing = false;
  uint64_t heartbeat_every = 1;
};

// `env -i K=V ... ARGV...` quoted for sh.
inline std::string command_line(const std::map<std::string, std::string>& env, const std::vector<std::string>& argv) {
  std::string line = "env -i";
  for (const auto& [key, value] : env) line += " " + shell_quote(key + "=" + value);
  for (const auto& arg : argv) line += " " + shell_quote(arg);
  return line;
}

inline std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : ",") + n;
  return text;
}

// Runs `each(i, next)` for i = 0..n-1, one after another, then `done` with the first error.
inline void in_turn(std::size_t n, std::function<void(std::size_t, std::function<void(Status)>)> each,
             std::function<void(Status)> done, std::size_t i = 0, Status first = Status::ok()) {
  if (i == n) return done(first);
  each(i, [n, each, done, i, first](Status s) mutable {
    in_turn(n, each, done, i + 1, first ? s : first);
  });
}

// Runs `each(i, next)` for every i = 0..n-1 at once (each host has its own session), then `done`
// with the first error once all have called their `next`.
inline void at_once(std::size_t n, std::function<void(std::size_t, std::function<void(Status)>)> each,
                    std::function<void(Status)> done) {
  if (n == 0) return done(Status::ok());
  struct Gather {
    std::size_t pending;
    Status first = Status::ok();
    std::function<void(Status)> done;
  };
  auto gather = std::make_shared<Gather>(Gather{n, Status::ok(), std::move(done)});
  for (std::size_t i = 0; i < n; ++i) {
    each(i, [gather](Status s) {
      if (gather->first && !s) gather->first = s;
      if (--gather->pending == 0) gather->done(gather->first);
    });
  }
}

// "round_trip_us" of a remote step, for the evidence.
void add_round_trip(Evidence& evidence, const RemoteResult& result);

}  // namespace firedrill
