// Nodes on hosts: sessions, processes, tasks and the end; see host_place.h. The changes (links,
// shapes, volumes) are in host_changes.cc.
#include "remote/host_place.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/limits.h"
#include "place/retry_until.h"
#include "remote/host_place_state.h"
#include "remote/ssh_command.h"
#include "scenario/ssh_url.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Round trips kept for round_trips_since (a fault step's span; far more than one step sends).
constexpr std::size_t kRoundTripsKept = 4096;

// Prints "NAME PID LETTER" per node ("-" when its process is gone), reading /proc/PID/stat past the
// command name (which may hold spaces and parentheses) with shell builtins only: no process start.
std::string state_script(const std::vector<std::pair<std::string, int>>& pids) {
  std::string script;
  for (const auto& [name, pid] : pids) {
    script += "if read -r l </proc/" + std::to_string(pid) + "/stat 2>/dev/null; then s=${l##*[)] }; s=${s%% *}; " +
              "else s=-; fi; echo " + shell_quote(name) + " " + std::to_string(pid) + " $s; ";
  }
  return script + "true";
}

}  // namespace

void add_round_trip(Evidence& evidence, const RemoteResult& result) {
  evidence["round_trip_us"] = result.round_trip_ns / 1000;
}

HostSupport host_support(const std::string& kind) {
  static const std::map<std::string, HostSupport> support{
      {"process.kill", {true, "kill -SIG to the node's process group (started) or pid (attached); restart: the node's command again, or its `start`"}},
      {"process.pause", {true, "SIGSTOP / SIGCONT; a dead-man's switch on the host sends SIGCONT if the controller goes"}},
      {"network.partition", {true, "drop rules in an nftables table of firedrill's own (inet firedrill_RUN), one chain pair per fault"}},
      {"network.isolate", {true, "nftables: everything dropped but loopback and the SSH connection from the controller"}},
      {"network.bandwidth", {true, "a tc TBF qdisc with firedrill's own handle as the root of the host interface's egress"}},
      {"network.delay", {false, "not on hosts yet: needs netem, which firedrill does not use there"}},
      {"network.loss", {false, "not on hosts yet: needs netem, which firedrill does not use there"}},
      {"disk.full", {true, "a ballast file (fallocate) on the node's data_dir's file system"}},
      {"storage.loss", {true, "the node's data_dir emptied (started nodes only), then its restore action run on the host"}},
      {"backup.corrupt", {false, "not on hosts yet"}},
      {"power.loss", {false, "not on hosts: it needs the lab's durability-tracking volume, and firedrill puts no "
                              "filesystem under a deployed system"}},
      {"clock.skew", {true, "the clock shim's page on the host, written over SSH, for nodes firedrill starts (the shim preloaded from [ssh] clock_shim); an attached node only with allow_host_clock, which is not available yet"}},
  };
  auto it = support.find(kind);
  return it == support.end() ? HostSupport{false, "unknown on hosts"} : it->second;
}

std::vector<std::string> host_tools(const std::vector<std::string>& kinds) {
  std::set<std::string> tools{"sh", "setsid", "kill", "timeout", "sed", "env", "cat"};
  for (const auto& kind : kinds) {
    if (kind == "network.partition" || kind == "network.isolate") tools.insert("nft");
    if (kind == "network.bandwidth") tools.insert({"tc", "ip"});
    if (kind == "disk.full") tools.insert({"fallocate", "df", "stat"});
  }
  return {tools.begin(), tools.end()};
}

HostPlace::State::State(HostPlaceSetup s) : setup(std::move(s)), poll_timer(setup.io) {
  // The heartbeat is touched four times within its grace (a process start on the host each time).
  heartbeat_every = std::max<uint64_t>(1, setup.system.ssh.heartbeat_grace / kHostPollMs / 4);
  run_dir = "/var/tmp/firedrill/" + nft_table_name(setup.run_id).substr(std::string("firedrill_").size());
  for (const auto& n : setup.system.nodes) {
    auto url = parse_ssh_url(n.host);
    if (!url) continue;  // validated with the definition
    HostSession& host = hosts[url->text()];
    host.name = url->text();
    host.endpoint = *url;
    host.work_dir = run_dir + "/" + url->address + "_" + std::to_string(url->port);
    host.nodes.push_back(n.name);
    HostNode& node = nodes[n.name];
    node.definition = &n;
    node.host = &host;
    node.clock_shim = std::find(setup.clock_nodes.begin(), setup.clock_nodes.end(), n.name) != setup.clock_nodes.end();
  }
}

HostNode* HostPlace::State::node(const std::string& name) {
  auto it = nodes.find(name);
  return it == nodes.end() ? nullptr : &it->second;
}

std::string HostPlace::State::clock_page(const std::string& node) const {
  return nodes.at(node).host->work_dir + "/clock/" + node + ".clock";
}

std::string HostPlace::State::node_log(const std::string& node, const char* stream) const {
  return nodes.at(node).host->work_dir + "/" + node + "." + stream;
}

std::string HostPlace::State::address_of(const std::string& member) const {
  if (member == place_client) return setup.system.ssh.controller_address;
  auto it = nodes.find(member);
  return it == nodes.end() ? std::string() : it->second.host->endpoint.address;
}

void HostPlace::State::step(HostSession& host, std::string script, bool direct, RemoteShell::Done done) {
  if (!host.shell) return asio::post(setup.io, [done, n = host.name] { done(Status::error(n + ": not connected")); });
  RemoteShell::Done measured = [weak = weak_from_this(), done = std::move(done)](Result<RemoteResult> r) {
    if (auto self = weak.lock(); self && r) {
      self->round_trips_us.push_back(r->round_trip_ns / 1000);
      if (self->round_trips_us.size() > kRoundTripsKept) {
        self->round_trips_us.pop_front();
        ++self->round_trips_first;
      }
    }
    done(std::move(r));
  };
  if (direct) return host.shell->run_direct(std::move(script), std::move(measured));
  host.shell->run(std::move(script), setup.step_deadline, std::move(measured));
}

void HostPlace::State::emit(ProcessEvent::Kind kind, HostNode& node, int exit_signal) {
  ProcessEvent e;
  e.kind = kind;
  e.name = node.definition->name;
  e.pid = node.pid;
  if (kind == ProcessEvent::Kind::exited) {
    e.expected = node.expect_exit || finishing;
    e.signal = exit_signal;
    node.expect_exit = false;
    node.sent_signal = 0;
  }
  if (setup.on_event) setup.on_event(e);
}

void HostPlace::State::read_states(HostSession& host, std::vector<std::string> names, std::function<void(Status)> done) {
  std::vector<std::pair<std::string, int>> pids;
  for (const auto& name : names) {
    if (HostNode* n = node(name); n && n->pid > 0) pids.emplace_back(name, n->pid);
  }
  std::string script = state_script(pids);
  // The heartbeat the host-wide switch watches, every kHeartbeatEvery reads (a process start).
  if (!finishing && ++host.reads % heartbeat_every == 0) script = "touch " + shell_quote(host.work_dir + "/heartbeat") + "; " + script;
  step(host, script, true, [self = shared_from_this(), done](Result<RemoteResult> r) {
    if (!r) return done(r.status());
    std::istringstream lines(r->output);
    std::string name, letter;
    int pid = 0;
    while (lines >> name >> pid >> letter) {
      HostNode* n = self->node(name);
      // An answer about a pid the node no longer has (it was restarted since) says nothing.
      if (!n || n->pid != pid) continue;
      const bool alive = letter != "-" && letter != "Z" && letter != "X";
      n->state = alive ? letter[0] : '?';
      if (n->running && !alive) {
        n->running = false;
        self->emit(ProcessEvent::Kind::exited, *n, n->expect_exit ? n->sent_signal : 0);
        n->pid = 0;
      }
    }
    done(Status::ok());
  });
}

// Every kHostPollMs: each host's nodes read (and its heartbeat touched), one command per host.
void HostPlace::State::poll() {
  if (finishing) return;
  for (auto& [key, host] : hosts) {
    if (host.lost || host.polling || !host.shell || !host.shell->open()) continue;
    host.polling = true;
    read_states(host, host.nodes, [self = shared_from_this(), h = &host](Status) { h->polling = false; });
  }
  poll_timer.expires_after(kHostPollMs);
  poll_timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (auto self = weak.lock(); self && !ec) self->poll();
  });
}

HostPlace::HostPlace(HostPlaceSetup setup) : state_(std::make_shared<State>(std::move(setup))) {}

HostPlace::~HostPlace() {
  state_->finishing = true;
  state_->poll_timer.cancel();
}

uint64_t HostPlace::round_trip_mark() const { return state_->round_trips_first + state_->round_trips_us.size(); }

RoundTrips HostPlace::round_trips_since(uint64_t mark) const {
  RoundTrips trips;
  const uint64_t first = std::max(mark, state_->round_trips_first);
  for (uint64_t i = first; i < state_->round_trips_first + state_->round_trips_us.size(); ++i) {
    const int64_t us = state_->round_trips_us[i - state_->round_trips_first];
    ++trips.commands;
    trips.max_us = std::max(trips.max_us, us);
    trips.total_us += us;
  }
  return trips;
}

std::string HostPlace::work_dir(const std::string& node) const { return state_->nodes.at(node).host->work_dir; }

std::string HostPlace::backup_store() const { return state_->run_dir + "/backup-store"; }

std::string HostPlace::clock_page(const std::string& node) const { return state_->clock_page(node); }

void HostPlace::set_action_runner(std::function<void(const ActionRequest&, std::function<void(ActionOutcome)>)> run) {
  state_->run_action = std::move(run);
}

bool HostPlace::running(const std::string& node) const {
  auto it = state_->nodes.find(node);
  return it != state_->nodes.end() && it->second.running;
}

// What the host holds of the drill besides its processes and changes: the started nodes' data
// (all they hold was made by the drill, as they were empty at its start), the host's work
// directory, its nodes' backups, and the run's directory once nothing else is in it.
static std::string remove_drill_files(HostPlace::State& state, const HostSession& host) {
  std::string script;
  for (const auto& name : host.nodes) {
    const NodeDefinition& d = *state.nodes[name].definition;
    if (!d.attached()) script += "find " + shell_quote(d.data_dir) + " -mindepth 1 -delete 2>/dev/null; ";
    script += "rm -rf " + shell_quote(state.run_dir + "/backup-store/" + name) + "; ";
  }
  return script + "rm -rf " + shell_quote(host.work_dir) + "; rmdir " + shell_quote(state.run_dir + "/backup-store") + " " +
         shell_quote(state.run_dir) + " 2>/dev/null; true";
}

// The host-wide switch: once the heartbeat is older than the grace, stop what firedrill started,
// delete its table and qdiscs and remove its files.
static std::string drill_switch_script(HostPlace::State& state, const HostSession& host) {
  const std::string work_dir = host.work_dir;
  const std::string dir = shell_quote(work_dir);
  const std::string table = nft_table_name(state.setup.run_id);
  const milliseconds heartbeat_grace = state.setup.system.ssh.heartbeat_grace;
  const std::string grace = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(heartbeat_grace).count());
  return "while [ $(( $(date +%s) - $(stat -c %Y " + dir + "/heartbeat 2>/dev/null || echo 0) )) -lt " + grace +
         " ]; do sleep 0.5; done; nft delete table inet " + table + " 2>/dev/null; " +
         // firedrill's qdiscs (handles f000: to ffff: of tc_rate) on any interface of the host.
         "for dev in $(ls /sys/class/net); do tc qdisc show dev $dev 2>/dev/null | grep -q '^qdisc tbf f[0-9a-f][0-9a-f][0-9a-f]: root' " +
         "&& tc qdisc del dev $dev root 2>/dev/null; done; " +
         "for p in $(cat " + dir + "/pids 2>/dev/null); do " +
         "grep -qz '^FIREDRILL_WORK_DIR=" + work_dir + "$' /proc/$p/environ 2>/dev/null && kill -KILL -$p; done; " +
         "sleep 0.2; " + remove_drill_files(state, host);
}

// The data directories of the started nodes on `host`.
static std::vector<std::string> started_data_dirs(HostPlace::State& state, const HostSession& host) {
  std::vector<std::string> dirs;
  for (const auto& name : host.nodes) {
    const NodeDefinition& d = *state.nodes[name].definition;
    if (!d.attached()) dirs.push_back(d.data_dir);
  }
  return dirs;
}

void HostPlace::connect(const std::vector<std::string>& tools, std::function<void(Status)> done) {
  auto self = state_;
  const SshSettings& ssh = self->setup.system.ssh;
  for (const auto& [key, file] : {std::pair{"identity_file", ssh.identity_file}, {"known_hosts", ssh.known_hosts}}) {
    if (::access(file.c_str(), R_OK) != 0) {
      const std::string why = std::generic_category().message(errno);
      return asio::post(self->setup.io, [done, key, file, why] {
        done(Status::error(std::string("[ssh] ") + key + ": cannot read " + file + ": " + why));
      });
    }
  }
  std::vector<HostSession*> order;
  for (auto& [key, host] : self->hosts) order.push_back(&host);
  in_turn(
      order.size(),
      [self, order, tools](std::size_t i, std::function<void(Status)> next) {
        HostSession& host = *order[i];
        host.shell = std::make_unique<RemoteShell>(self->setup.io, joined(host.nodes), host.endpoint, self->setup.system.ssh);
        host.shell->on_lost([self, h = &host](const std::string& why) {
          h->lost = true;
          if (self->setup.on_host_lost && !self->finishing) self->setup.on_host_lost(h->shell->label(), why);
        });
        host.shell->connect([self, &host, tools, next](Status s) {
          if (!s) return next(s);
          self->step(host, tools_check_script(tools), false, [self, &host, next](Result<RemoteResult> r) {
            if (!r) return next(r.status());
            if (r->exit_code != 0) {
              std::string missing = r->output;
              for (char& c : missing) c = c == '\n' ? ' ' : c;
              return next(Status::error(host.shell->label() + ": missing on the host: " + missing));
            }
            const std::string dir = shell_quote(host.work_dir);
            // A started node begins on an empty data directory (then all it holds at the end is the
            // drill's, which firedrill removes); one with data in it is refused, never emptied.
            std::string fresh;
            for (const auto& d : started_data_dirs(*self, host)) {
              fresh += " && mkdir -p " + shell_quote(d) + " && { [ -z \"$(ls -A " + shell_quote(d) + ")\" ] || { echo " +
                       shell_quote("the data_dir " + d + " is not empty (a started node begins on an empty one)") +
                       "; false; }; }";
            }
            std::string backups, pages;
            for (const auto& name : host.nodes) {
              backups += " " + shell_quote(self->run_dir + "/backup-store/" + name);
              if (self->nodes[name].clock_shim) pages += " && " + clock_page_create(self->clock_page(name));
            }
            self->step(host, "true" + fresh + " && mkdir -p " + dir + backups + " && touch " + dir + "/heartbeat" + pages, false,
                       [self, &host, next](Result<RemoteResult> made) {
                         if (!made || made->exit_code != 0) {
                           return next(Status::error(host.shell->label() + ": " +
                                                     (made ? made->output : made.status().message())));
                         }
                         const std::string marker = switch_marker(self->setup.run_id, "host");
                         arm_switch(*host.shell, marker, milliseconds(0),
                                    drill_switch_script(*self, host),
                                    [&host, next](Result<ArmedSwitch> armed) {
                                      if (!armed) return next(armed.status());
                                      host.drill_switch = *armed;
                                      next(Status::ok());
                                    });
                       });
          });
        });
      },
      std::move(done));
  // Each host's heartbeat is kept from its connection on (its switch is armed then).
  self->poll();
}

Status HostPlace::can_shape(LinkShape::Kind kind) const {
  if (kind == LinkShape::Kind::bandwidth) return Status::ok();
  return Status::error("network.delay and network.loss need netem, which firedrill does not use on hosts yet");
}

// ---- the end ----

void HostPlace::finish(const std::string& logs_dir, milliseconds grace, std::function<void(Status)> done) {
  auto self = state_;
  self->finishing = true;
  self->poll_timer.cancel();
  std::vector<HostSession*> order;
  for (auto& [key, host] : self->hosts) order.push_back(&host);
  const int64_t looks = std::max<int64_t>(1, grace.count() / 100);
  // Every host at once: the heartbeats stop with the polling, and a host that waited for the
  // others' grace periods could meet its own switch before its logs were fetched.
  at_once(
      order.size(),
      [self, order, logs_dir, looks](std::size_t i, std::function<void(Status)> next) {
        HostSession& host = *order[i];
        if (host.lost || !host.shell || !host.shell->open()) return next(Status::ok());
        std::string pids;
        for (const auto& name : host.nodes) {
          const HostNode& n = self->nodes[name];
          if (n.running && !n.definition->attached()) pids += " " + std::to_string(n.pid);
        }
        // SIGTERM to each started group, SIGKILL to what is left after the grace. The heartbeat is
        // touched first and before each log is fetched: the polling that kept it has stopped, and
        // on a loaded controller the stop and the fetches can outlast the switch's grace, which
        // would remove the logs before they came home.
        const std::string heartbeat = "touch " + shell_quote(host.work_dir + "/heartbeat") + "; ";
        std::string script = heartbeat + "for p in" + pids + "; do kill -TERM -$p 2>/dev/null; done; i=0; while [ $i -lt " +
                             std::to_string(looks) + " ]; do alive=; for p in" + pids +
                             "; do kill -0 $p 2>/dev/null && alive=1; done; [ -z \"$alive\" ] && break; sleep 0.1; "
                             "i=$((i+1)); done; for p in" + pids + "; do kill -KILL -$p 2>/dev/null; done; " +
                             "nft delete table inet " + nft_table_name(self->setup.run_id) + " 2>/dev/null; true";
        host.shell->run(script, milliseconds(looks * 100) + kRemoteStepTimeoutMs, [self, &host, logs_dir, next](Result<RemoteResult>) {
          for (const auto& name : host.nodes) {
            HostNode& n = self->nodes[name];
            if (n.running && !n.definition->attached()) {
              n.running = false;
              self->emit(ProcessEvent::Kind::exited, n, SIGTERM);
            }
          }
          // The logs, one file per command (bounded by the session's output limit: the tail).
          auto streams = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
          for (const auto& name : host.nodes) {
            if (self->nodes[name].definition->attached()) continue;
            for (const char* stream : {"out", "err"}) streams->emplace_back(name, stream);
          }
          in_turn(
              streams->size(),
              [self, &host, streams, logs_dir](std::size_t j, std::function<void(Status)> fetched) {
                const auto& [name, stream] = (*streams)[j];
                self->step(host, "touch " + shell_quote(host.work_dir + "/heartbeat") + "; tail -c " +
                                     std::to_string(kRemoteOutputBytesMax - 1024) + " " +
                                     shell_quote(self->node_log(name, stream.c_str())) + " 2>/dev/null; true",
                           false, [logs_dir, name, stream, fetched](Result<RemoteResult> r) {
                             if (r) std::ofstream(logs_dir + "/" + name + "." + stream, std::ios::app) << r->output << "\n";
                             fetched(Status::ok());
                           });
              },
              [self, &host, next](Status) {
                disarm_switch(*host.shell, host.drill_switch, [self, &host, next](Status s) {
                  // The drill's files go too (the logs are in the run directory now).
                  self->step(host, remove_drill_files(*self, host), false,
                             [next, s](Result<RemoteResult>) { next(s); });
                });
              });
        });
      },
      std::move(done));
}

}  // namespace firedrill
