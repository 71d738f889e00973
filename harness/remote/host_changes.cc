// The changes a HostPlace makes on hosts for faults (links, shapes, volumes), each armed as a
// dead-man's switch on its host before it is made; see host_place.h.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <ctime>
#include <algorithm>
#include <set>

#include "core/limits.h"
#include "remote/host_place.h"
#include "remote/host_place_state.h"
#include "remote/ssh_command.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

// The TCP port probes connect to (discard), as in the lab: a refusal proves reachability.
constexpr int kProbePort = 9;

std::string change_marker(const std::string& run_id, const std::string& area, ChangeId id, std::size_t part) {
  return switch_marker(run_id, area + "-" + std::to_string(id) + "-" + std::to_string(part));
}

}  // namespace

// Every host at once, each in one round trip: its switch armed (the first line of the answer is
// the switch's pid), then the change made and proven. Any failure undoes what was made.
void HostPlace::State::make_changes(const std::string& area, ChangeId id, std::vector<MadeChange> todo, Evidence evidence,
                                    PlaceDone done) {
  auto self = shared_from_this();
  struct Progress {
    std::vector<MadeChange> changes;
    std::size_t pending = 0;
    Status first_error = Status::ok();
    Evidence evidence;
  };
  auto progress = std::make_shared<Progress>(Progress{std::move(todo), 0, Status::ok(), std::move(evidence)});
  progress->pending = progress->changes.size();
  auto finished = [self, area, id, progress, done] {
    std::vector<MadeChange> armed;
    for (const auto& c : progress->changes) {
      if (c.armed.pid > 0) armed.push_back(c);
    }
    self->changes[{area, id}] = armed;
    if (progress->first_error) return done(Status::ok(), progress->evidence);
    self->undo_changes(area, id, {}, [progress, done](Status, Evidence) { done(progress->first_error, progress->evidence); });
  };
  if (progress->changes.empty()) return done(Status::ok(), progress->evidence);
  for (std::size_t i = 0; i < progress->changes.size(); ++i) {
    MadeChange& c = progress->changes[i];
    HostSession& host = *c.host;
    const std::string marker = change_marker(setup.run_id, area, id, i);
    auto answered = [progress, i, marker, finished, label = host.name](Result<RemoteResult> r) {
      MadeChange& made = progress->changes[i];
      if (r) {
        add_round_trip(progress->evidence, *r);
        made.armed = ArmedSwitch{marker, std::atoi(r->output.c_str())};
        if (r->exit_code != 0 && progress->first_error) {
          const auto line_end = r->output.find('\n');
          const std::string said = line_end == std::string::npos ? std::string() : r->output.substr(line_end + 1);
          progress->first_error = Status::error(label + ": not in effect: " + said);
        }
      } else if (progress->first_error) {
        progress->first_error = r.status();
      }
      if (--progress->pending == 0) finished();
    };
    if (!host.shell || !host.shell->open() || host.lost) {
      answered(Status::error(host.name + ": the host is not connected"));
      continue;
    }
    // Direct: firedrill's own scripts, so that a change costs a round trip and its tools (nft,
    // tc), not two process starts more.
    step(host, arm_switch_script(marker, setup.switch_delay(id), c.change.revert) + "\n" + c.change.made_and_proven(), true,
         answered);
  }
}

void HostPlace::State::undo_changes(const std::string& area, ChangeId id, Evidence nothing, PlaceDone done) {
  auto it = changes.find({area, id});
  if (it == changes.end() || it->second.empty()) return done(Status::ok(), std::move(nothing));
  auto todo = std::make_shared<std::vector<MadeChange>>(std::move(it->second));
  changes.erase(it);
  auto self = shared_from_this();
  auto first_error = std::make_shared<Status>(Status::ok());
  auto evidence = std::make_shared<Evidence>(Evidence{{"undone", static_cast<int64_t>(todo->size())}});
  auto next = std::make_shared<std::function<void()>>();
  *next = [self, todo, first_error, evidence, done, next] {
    if (todo->empty()) return done(*first_error, *evidence);
    MadeChange c = todo->back();
    todo->pop_back();
    HostSession& host = *c.host;
    if (host.lost || !host.shell || !host.shell->open()) {
      // Its switch undoes it on the host, at the latest at its deadline.
      (*evidence)["left_to_switch"] = host.name;
      if (*first_error) *first_error = Status::error(host.name + ": lost; its dead-man's switch undoes the change");
      return (*next)();
    }
    self->step(host, c.change.revert, true, [self, c, &host, first_error, evidence, next](Result<RemoteResult> r) {
      if (r) add_round_trip(*evidence, *r);
      if ((!r || r->exit_code != 0) && *first_error) {
        *first_error = Status::error(host.name + ": undo: " + (r ? r->output : r.status().message()));
      }
      disarm_switch(*host.shell, c.armed, [next](Status) { (*next)(); });
    });
  };
  (*next)();
}

// ---- links ----

// Each pair of sides is cut on one side's hosts only (input and output dropped there stops both
// directions): the side with fewer hosts, unless it holds the controller (its side is cut on the
// nodes' hosts). A one-way cut drops side 0's output to side 1 on side 0's hosts, or side 1's
// input from the controller when the controller is the sender.
void HostPlace::cut_links(ChangeId change, const LinkCut& cut, PlaceDone done) {
  auto self = state_;
  struct Drops {
    std::set<std::string> from, to;
  };
  std::map<HostSession*, Drops> per_host;
  auto hosts_of = [&](const std::vector<std::string>& side) {
    std::set<HostSession*> hosts;
    for (const auto& member : side) {
      if (HostNode* n = self->node(member)) hosts.insert(n->host);
    }
    return hosts;
  };
  auto has_client = [](const std::vector<std::string>& side) {
    return std::find(side.begin(), side.end(), place_client) != side.end();
  };
  auto drop = [&](const std::vector<std::string>& on, const std::vector<std::string>& peers, bool in, bool out) -> Status {
    for (const auto& member : on) {
      HostNode* n = self->node(member);
      if (!n) continue;
      for (const auto& peer : peers) {
        const std::string address = self->address_of(peer);
        if (address.empty()) return Status::error("partition: " + peer + " is not a node or the client");
        if (address == n->host->endpoint.address) {
          return Status::error("partition: " + member + " and " + peer + " share the host " + address +
                               "; a host cannot be cut from itself");
        }
        if (in) per_host[n->host].from.insert(address);
        if (out) per_host[n->host].to.insert(address);
      }
    }
    return Status::ok();
  };
  for (std::size_t a = 0; a < cut.sides.size(); ++a) {
    for (std::size_t b = a + 1; b < cut.sides.size(); ++b) {
      const auto& first = cut.sides[a];
      const auto& second = cut.sides[b];
      Status s = Status::ok();
      if (!cut.both_ways) {
        if (a != 0 || b != 1) continue;
        s = has_client(first) ? drop(second, {place_client}, true, false) : drop(first, second, false, true);
      } else {
        const bool on_first = !has_client(first) && (has_client(second) || hosts_of(first).size() <= hosts_of(second).size());
        s = on_first ? drop(first, second, true, true) : drop(second, first, true, true);
      }
      if (!s) return done(s, {});
    }
  }
  std::vector<MadeChange> todo;
  boost::json::array hosts;
  for (auto& [host, drops] : per_host) {
    auto made = nft_drop(self->setup.run_id, change, {drops.from.begin(), drops.from.end()}, {drops.to.begin(), drops.to.end()});
    if (!made) return done(made.status().with_context("partition on " + host->name), {});
    todo.push_back(MadeChange{host, *made, {}});
    hosts.push_back(boost::json::string(host->name));
  }
  self->make_changes("links", change, std::move(todo),
                     {{"table", "inet " + nft_table_name(self->setup.run_id)}, {"chain_id", change}, {"on", hosts}},
                     std::move(done));
}

void HostPlace::restore_links(ChangeId change, PlaceDone done) {
  state_->undo_changes("links", change, {{"removed", boost::json::array()}}, std::move(done));
}

void HostPlace::isolate_node(ChangeId change, const std::string& node, PlaceDone done) {
  auto self = state_;
  HostNode* n = self->node(node);
  if (!n) return done(Status::error("network.isolate: node " + node + ": not on any host"), {});
  auto made = nft_isolate(self->setup.run_id, change, self->setup.system.ssh.controller_address, n->host->endpoint.port);
  if (!made) return done(made.status().with_context("network.isolate on " + n->host->name), {});
  self->make_changes("isolation", change, {MadeChange{n->host, *made, {}}},
                     {{"node", node}, {"host", n->host->name}, {"kept", "ssh from the controller"}}, std::move(done));
}

void HostPlace::reconnect_node(ChangeId change, PlaceDone done) {
  state_->undo_changes("isolation", change, {{"restored", false}}, std::move(done));
}

void HostPlace::shape_link(ChangeId change, const std::string& node, const LinkShape& shape, PlaceDone done) {
  auto self = state_;
  HostNode* n = self->node(node);
  if (!n) return done(Status::error("node " + node + ": not on any host"), {});
  if (Status s = can_shape(shape.kind); !s) return done(s, {{"node", node}});
  self->make_changes("shape", change, {MadeChange{n->host, tc_rate(n->host->endpoint.address, change, shape.rate_bits_per_s), {}}},
                     {{"node", node}, {"host", n->host->name}, {"rate_bits_per_s", shape.rate_bits_per_s},
                      {"direction", "egress of the host's interface"}},
                     std::move(done));
}

void HostPlace::unshape_link(ChangeId change, PlaceDone done) {
  state_->undo_changes("shape", change, {{"removed_from", boost::json::array()}}, std::move(done));
}

void HostPlace::probe(const std::string& from, const std::string& to, std::function<void(Result<ProbeReport>)> done) {
  auto self = state_;
  const std::string address = self->address_of(to);
  HostNode* n = self->node(from);
  if (address.empty() || (!n && from != place_client)) {
    return done(Status::error("probe " + from + " -> " + to + ": not a node or the client"));
  }
  if (!n) return done(Status::error("probe from the controller: not over SSH (the runner's own probes do that)"));
  const std::string script = "timeout 1 bash -c 'exec 3<>/dev/tcp/" + address + "/" + std::to_string(kProbePort) +
                             "' 2>&1; echo \" exit $?\"";
  self->step(*n->host, script, false, [from, to, address, done](Result<RemoteResult> r) {
    if (!r) return done(r.status());
    const bool connected = r->output.find(" exit 0") != std::string::npos;
    const bool refused = r->output.find("refused") != std::string::npos;
    ProbeReport report{connected || refused, connected ? "connected" : refused ? "ECONNREFUSED (Connection refused)" : "timed out", {}};
    report.evidence = {{"from", from}, {"to", to}, {"address", address}, {"port", kProbePort}, {"result", report.result}};
    add_round_trip(report.evidence, *r);
    done(report);
  });
}

// ---- volumes ----

void HostPlace::fill_volume(ChangeId change, const std::string& node, int64_t percent, PlaceDone done) {
  auto self = state_;
  HostNode* n = self->node(node);
  if (!n) return done(Status::error("node " + node + ": not on any host"), {});
  const std::string name = ".firedrill-ballast-" + nft_table_name(self->setup.run_id).substr(10) + "-" + std::to_string(change);
  self->make_changes("volume", change, {MadeChange{n->host, fill_to(n->definition->data_dir, name, static_cast<int>(percent)), {}}},
                     {{"node", node}, {"host", n->host->name}, {"ballast", n->definition->data_dir + "/" + name},
                      {"percent", percent}},
                     std::move(done));
}

void HostPlace::unfill_volume(ChangeId change, PlaceDone done) {
  state_->undo_changes("volume", change, {{"ballast", "absent"}}, std::move(done));
}

void HostPlace::empty_volume(const std::string& node, PlaceDone done) {
  auto self = state_;
  HostNode* n = self->node(node);
  if (!n) return done(Status::error("node " + node + ": not on any host"), {});
  if (n->definition->attached()) {
    return done(Status::error("storage.loss: node " + node + " is attached: firedrill does not remove data it did not make"),
                {{"node", node}});
  }
  const std::string dir = shell_quote(n->definition->data_dir);
  self->step(*n->host, "n=$(find " + dir + " -mindepth 1 -maxdepth 1 | wc -l); find " + dir +
                           " -mindepth 1 -delete && [ -z \"$(ls -A " + dir + ")\" ] && echo $n",
             false, [node, done](Result<RemoteResult> r) {
               Evidence evidence{{"node", node}};
               if (!r) return done(r.status(), evidence);
               add_round_trip(evidence, *r);
               if (r->exit_code != 0) return done(Status::error("node " + node + ": volume not emptied: " + r->output), evidence);
               evidence["entries_removed"] = std::atoll(r->output.c_str());
               evidence["empty"] = true;
               done(Status::ok(), evidence);
             });
}

// ---- not on hosts (yet): refused before the drill by host_kind_support, and here too ----

void HostPlace::corrupt_backup(ChangeId, const std::string& node, const std::string&, PlaceDone done) {
  done(Status::error("backup.corrupt is not available on hosts"), {{"node", node}});
}

void HostPlace::repair_backup(ChangeId, PlaceDone done) { done(Status::ok(), {{"nothing_corrupted", true}}); }

// The clock shim's page on the node's host, written over SSH; verified by the node's own read
// (its acknowledgement). The anchors are the controller's real time: at rate 1 only their
// difference (the offset) matters, so the hosts' clocks need not agree with the controller's.
void HostPlace::move_clock(ChangeId change, const std::string& node, const ClockSetting& setting, PlaceDone done) {
  auto self = state_;
  HostNode* n = self->node(node);
  if (!n) return done(Status::error("node " + node + ": not on any host"), {});
  if (!n->clock_shim) {
    return done(Status::error("clock.skew: node " + node + " does not run with the clock shim"), {{"node", node}});
  }
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const int64_t real = int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
  const int64_t fake = real + std::chrono::duration_cast<std::chrono::nanoseconds>(setting.offset).count();
  n->clock_generation += 2;  // this write, then its undo's
  self->make_changes("clock", change,
                     {MadeChange{n->host, clock_set(self->clock_page(node), real, fake, setting.rate, n->clock_generation - 1), {}}},
                     {{"node", node}, {"offset_ms", setting.offset.count()}, {"rate", setting.rate},
                      {"verified_by", "the node's own read (its acknowledgement on the page)"}},
                     std::move(done));
}

void HostPlace::reset_clock(ChangeId change, PlaceDone done) {
  state_->undo_changes("clock", change, {}, std::move(done));
}

}  // namespace firedrill
