// The changes a HostPlace makes on hosts for faults (links, shapes, volumes), each armed as a
// dead-man's switch on its host before it is made; see host_place.h.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <ctime>
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

void HostPlace::State::make_changes(const std::string& area, ChangeId id, std::vector<MadeChange> todo, Evidence evidence,
                                    PlaceDone done) {
  auto self = shared_from_this();
  auto made = std::make_shared<std::vector<MadeChange>>();
  auto next = std::make_shared<std::function<void(std::size_t)>>();
  auto fail = [self, area, id, made, done](Status why, Evidence seen) {
    self->changes[{area, id}] = *made;
    self->undo_changes(area, id, {}, [why, seen, done](Status, Evidence) { done(why, seen); });
  };
  *next = [self, area, id, todo, made, evidence, done, fail, next](std::size_t i) mutable {
    if (i == todo.size()) {
      self->changes[{area, id}] = *made;
      return done(Status::ok(), evidence);
    }
    MadeChange c = todo[i];
    HostSession& host = *c.host;
    if (!host.shell || !host.shell->open()) return fail(Status::error(host.name + ": the host is not connected"), evidence);
    arm_switch(*host.shell, change_marker(self->setup.run_id, area, id, i), self->setup.switch_delay(id), c.change.revert,
               [self, c, &host, i, made, evidence, fail, next](Result<ArmedSwitch> armed) mutable {
                 if (!armed) return fail(armed.status(), evidence);
                 c.armed = *armed;
                 made->push_back(c);
                 // Direct: firedrill's own scripts, so that a change costs a round trip and its
                 // tools (nft, tc), not two process starts more.
                 self->step(host, c.change.apply + " && " + c.change.verify, true,
                            [c, &host, i, evidence, fail, next](Result<RemoteResult> r) mutable {
                              if (!r) return fail(r.status(), evidence);
                              add_round_trip(evidence, *r);
                              if (r->exit_code != 0) {
                                return fail(Status::error(host.shell->label() + ": not in effect: " + r->output), evidence);
                              }
                              (*next)(i + 1);
                            });
               });
  };
  (*next)(0);
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

void HostPlace::cut_links(ChangeId change, const LinkCut& cut, PlaceDone done) {
  auto self = state_;
  // Per host: the peer addresses it must drop, and in which direction.
  std::map<HostSession*, std::pair<std::set<std::string>, CutDirection>> per_host;
  for (std::size_t a = 0; a < cut.sides.size(); ++a) {
    for (std::size_t b = 0; b < cut.sides.size(); ++b) {
      if (a == b || (!cut.both_ways && !(a == 0 && b == 1) && !(a == 1 && b == 0))) continue;
      const CutDirection direction =
          cut.both_ways ? CutDirection::both : (a == 0 ? CutDirection::outgoing : CutDirection::incoming);
      for (const auto& member : cut.sides[a]) {
        HostNode* n = self->node(member);
        if (!n) continue;  // the controller: its side is cut on the nodes' hosts
        for (const auto& peer : cut.sides[b]) {
          const std::string address = self->address_of(peer);
          if (address.empty()) return done(Status::error("partition: " + peer + " is not a node or the client"), {});
          if (address == n->host->endpoint.address) {
            return done(Status::error("partition: " + member + " and " + peer + " share the host " + address +
                                      "; a host cannot be cut from itself"),
                        {});
          }
          auto& entry = per_host[n->host];
          entry.first.insert(address);
          entry.second = direction;
        }
      }
    }
  }
  std::vector<MadeChange> todo;
  boost::json::array hosts;
  for (auto& [host, entry] : per_host) {
    auto made = nft_cut(self->setup.run_id, change, {entry.first.begin(), entry.first.end()}, entry.second);
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
