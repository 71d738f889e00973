// The drill runner; see drill_runner.h.
#include "runner/drill_runner.h"

#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <algorithm>
#include <cstdio>
#include <deque>
#include <sstream>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "evidence/auditor_sections.h"
#include "fault/fault_kinds.h"
#include "lab/clock/clock_control.h"
#include "lab/clock/clock_control_file.h"
#include "lab/lab.h"
#include "lab/lab_place.h"
#include "lab/network.h"
#include "lab/volumes.h"
#include "net/http.h"
#include "runner/alert_receiver.h"
#include "runner/log_watcher.h"
#include "runner/render.h"
#include "scoring/run_record.h"
#include "supervision/supervisor.h"
#include "timeline/timeline.h"
#include "workload/payment_workload.h"

namespace json = boost::json;
namespace asio = boost::asio;
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace firedrill {
namespace {

constexpr uint16_t kAlertPort = 9093;
constexpr milliseconds kTick{100};
constexpr milliseconds kBaselineGrace{10'000};  // extra time for the steady state to appear
constexpr milliseconds kExportTimeout{60'000};
constexpr int64_t kNsPerMs = 1'000'000;

// The clock shim's file name, beside the firedrill executable (faults/clock/README.md).
const char* const kClockShimName = "libfiredrill-clock.so";

// The JSON value at `pointer` ("/primary") in `body`, as a string.
std::optional<std::string> json_pointer_string(const std::string& body, const std::string& pointer) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return std::nullopt;
  const json::value* found = v.find_pointer(pointer, ec);
  if (ec || !found || !found->is_string()) return std::nullopt;
  return std::string(found->as_string());
}

struct Endpoint {
  std::string host;
  uint16_t port = 0;
  std::string target;
};

Result<Endpoint> split_url(const std::string& url) {
  auto host_port = parse_host_port(url);
  if (!host_port) return host_port.status();
  auto scheme = url.find("://");
  auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return Endpoint{host_port->first, host_port->second, path == std::string::npos ? "/" : url.substr(path)};
}

// A node's environment is built from nothing, but a sanitizer build of the system (FIREDRILL_SANITIZE)
// reads its options from the environment: the controller's are passed through. A node with the
// clock shim runs it preloaded ahead of the ASan runtime, which ASan refuses unless told not to
// check the link order, so a sanitized controller (the same build) says so for those nodes.
void add_sanitizer_options(std::map<std::string, std::string>& env, [[maybe_unused]] bool clock_shim) {
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
#if defined(__SANITIZE_ADDRESS__)
  if (!clock_shim) return;
  std::string& asan = env["ASAN_OPTIONS"];
  if (asan.find("verify_asan_link_order") == std::string::npos) {
    asan += (asan.empty() ? "" : ":") + std::string("verify_asan_link_order=0");
  }
#endif
}

}  // namespace

std::string find_clock_shim(const std::string& bin_dir) {
  if (const char* path = std::getenv("FIREDRILL_CLOCK_SHIM")) return path;
  return bin_dir + "/" + kClockShimName;
}

class Drill : public std::enable_shared_from_this<Drill> {
 public:
  Drill(const Scenario& scenario, const Plan& plan, const RunOptions& options)
      : scenario_(scenario), plan_(plan), options_(options), signals_(io_, SIGINT, SIGTERM),
        phase_timer_(io_), tick_timer_(io_),
        supervisor_(std::make_unique<Supervisor>(io_, [this](const ProcessEvent& e) { on_process_event(e); })) {}

  RunEnd run() {
    // Who and where, recorded at the start so that a re-score elsewhere still tells the truth.
    HostFacts host = current_host_facts();
    auto timeline = Timeline::create(options_.run_dir + "/timeline.jsonl",
                                     {{"scenario", scenario_.drill.name},
                                      {"scenario_digest", plan_.scenario_digest},
                                      {"seed", plan_.seed},
                                      {"pid", static_cast<int64_t>(getpid())},
                                      {"tool", tool_version()},
                                      {"kernel", host.kernel},
                                      {"host", host.hostname},
                                      {"user", host.user},
                                      {"uid", host.uid},
                                      {"user_namespace", host.user_namespace.value_or(false)}});
    if (!timeline) {
      std::cerr << "firedrill: " << timeline.status().message() << "\n";
      return RunEnd::error;
    }
    timeline_ = std::move(*timeline);
    // What the drill was asked to do, frozen before it starts: scoring reads this, not the scenario.
    std::ofstream(options_.run_dir + "/run.json") << json::serialize(make_run_record(scenario_, plan_));
    handle_signals();
    signals_.async_wait([self = shared_from_this()](const boost::system::error_code& ec, int sig) {
      if (!ec) self->abort(std::string("signal ") + sigabbrev_np(sig));
    });
    if (Status s = preflight(); !s) {
      timeline_->record("harness", "precondition_failed", {{"what", s.message()}});
      say("inconclusive: " + s.message());
      end_ = RunEnd::inconclusive;
      summarize();
      return end_;
    }
    if (Status s = lab_up(); !s) {
      fail("lab up", s);
      end_ = RunEnd::inconclusive;
      summarize();
      teardown();
      return end_;
    }
    if (Status s = start_nodes(); !s) {
      fail("system up", s);
      end_ = RunEnd::inconclusive;
      finish();
    } else {
      tick();
      wait_healthy(Clock::now());
    }
    io_.run();
    teardown();
    return end_;
  }

 private:
  // ---- phases -----------------------------------------------------------------------------

  void set_phase(const std::string& phase) {
    phase_ = phase;
    timeline_->record("harness", "phase", {{"phase", phase}});
    say("phase: " + phase);
  }

  // One line per event. On a terminal the once-a-second status line stays at the bottom and is
  // redrawn in place; elsewhere (CI logs) it is a plain line like the others.
  void say(const std::string& line) {
    bool important = line.rfind("error", 0) == 0 || line.rfind("inconclusive", 0) == 0;
    if (!options_.progress && !important) return;
    std::printf("%s[%8s] %s\n", tty_ ? "\r\x1b[2K" : "", format_offset(timeline_->now_ns()).c_str(), line.c_str());
    if (tty_ && !status_line_.empty()) std::printf("%s", status_line_.c_str());
    std::fflush(stdout);
  }

  void show_status(const std::string& line) {
    if (!options_.progress) return;
    if (!tty_) return say(line);
    status_line_ = "[" + format_offset(timeline_->now_ns()) + "] " + line;
    std::printf("\r\x1b[2K%s", status_line_.c_str());
    std::fflush(stdout);
  }

  // As the lab's PID 1 the controller ignores any signal it has no handler for: every signal
  // that should end a drill is handled here (the outer process forwards them).
  void handle_signals() {
    signals_.add(SIGHUP);
    signals_.add(SIGQUIT);
  }

  void fail(const std::string& where, const Status& status) {
    ++harness_errors_;
    if (end_ == RunEnd::completed) end_ = RunEnd::error;
    timeline_->record("harness", "error", {{"where", where}, {"error", status.message()}});
    say("error: " + where + ": " + status.message());
  }

  // What the scenario needs of this machine, checked before anything starts.
  Status preflight() {
    if (!plan_.clock_shim_nodes.empty()) {
      std::error_code ec;
      const fs::path shim = fs::canonical(find_clock_shim(options_.bin_dir), ec);
      if (ec) {
        return Status::error("clock shim not found at " + find_clock_shim(options_.bin_dir) +
                             " (build firedrill's libfiredrill-clock.so, or set FIREDRILL_CLOCK_SHIM)");
      }
      clock_shim_ = shim.string();
    }
    return builtin_fault_kinds().preflight(scenario_.faults, place_);
  }

  Status lab_up() {
    set_phase("lab_up");
    LabNetworkSpec spec;
    spec.subnet = options_.subnet;
    for (const auto& n : scenario_.system.nodes) spec.nodes.push_back(n.name);
    auto network = LabNetwork::create(spec);
    if (!network) return network.status();
    network_ = std::move(*network);
    std::vector<std::pair<std::string, int64_t>> sizes;
    for (const auto& n : scenario_.system.nodes) sizes.emplace_back(n.name, n.volume_bytes);
    auto volumes = Volumes::create(options_.run_dir + "/volumes", sizes);
    if (!volumes) return volumes.status();
    volumes_ = std::move(*volumes);
    std::error_code ec;
    fs::create_directories(options_.run_dir + "/clock", ec);
    fs::create_directories(options_.run_dir + "/logs", ec);
    fs::create_directories(options_.run_dir + "/exports", ec);
    for (const auto& n : scenario_.system.nodes) fs::create_directories(backup_store() + "/" + n.name, ec);
    for (const std::string& node : plan_.clock_shim_nodes) {
      auto page = ClockControlFile::create(clock_control(node));
      if (!page) return page.status().with_context("clock control of node " + node);
    }
    place_.context().network = network_.get();
    place_.context().volumes = volumes_.get();
    place_.context().clock_control = [this](const std::string& node) {
      return has_clock_shim(node) ? clock_control(node) : std::string();
    };
    place_.context().clock_shim = clock_shim_;
    place_.context().backup_dir = [this](const std::string& node) { return backup_store() + "/" + node; };
    place_.context().run_action = [this](const ActionRequest& request, std::function<void(ActionOutcome)> done) {
      run_action(request, std::move(done));
    };
    fault_context_.resolve = [this](const std::string& target, std::function<void(Result<std::string>)> next) {
      resolve(target.rfind("role:", 0) == 0 || target.rfind("node:", 0) == 0 ? target : "node:" + target,
              std::move(next));
    };
    receiver_ = std::make_unique<AlertReceiver>(io_, *timeline_, [this](const std::string& status, const std::string& name) {
      if (status != "firing") return;
      ++alerts_firing_;
      say("alert firing: " + name);
    });
    if (Status s = receiver_->listen(network_->controller_address(), kAlertPort); !s) return s;
    json::object nodes;
    for (const auto& n : network_->nodes()) nodes[n.node] = n.address;
    timeline_->record("harness", "lab", {{"controller_address", network_->controller_address()},
                                         {"nodes", std::move(nodes)},
                                         {"alert_url", alert_url()}});
    return Status::ok();
  }

  std::string clock_control(const std::string& node) const { return options_.run_dir + "/clock/" + node + ".clock"; }
  bool has_clock_shim(const std::string& node) const {
    const auto& nodes = plan_.clock_shim_nodes;
    return std::find(nodes.begin(), nodes.end(), node) != nodes.end();
  }
  // The systems' backups live outside every node's volume, so storage.loss cannot take them, and
  // in the run directory, so they stay as evidence of what was restored.
  std::string backup_store() const { return options_.run_dir + "/backup-store"; }
  std::string alert_url() const {
    return "http://" + network_->controller_address() + ":" + std::to_string(kAlertPort) + "/alerts";
  }

  Status start_nodes() {
    set_phase("system_up");
    RenderInputs& inputs = inputs_;
    inputs.backup_store = backup_store();
    inputs.bin_dir = options_.bin_dir;
    inputs.controller_address = network_->controller_address();
    inputs.alert_url = alert_url();
    inputs.parameters = scenario_.system_parameters;
    inputs.accounts = scenario_.workload.accounts;
    for (const auto& n : network_->nodes()) inputs.addresses[n.node] = n.address;
    for (const auto& n : scenario_.system.nodes) inputs.data_dirs[n.name] = volumes_->path(n.name);
    auto shared = shared_values(scenario_.system, inputs);
    if (!shared) return shared.status();
    values_ = *shared;
    for (const NodeDefinition& n : scenario_.system.nodes) {
      Values values = node_values(values_, n.name, inputs);
      ProcessSpec spec;
      spec.name = n.name;
      for (const auto& arg : n.command) {
        auto rendered = render(arg, values);
        if (!rendered) return rendered.status().with_context("node " + n.name + " command");
        spec.argv.push_back(*rendered);
      }
      // What the lab adds (scenarios/README.md, "What the lab adds to a node"): PATH and HOME
      // always; the clock shim only where a clock fault of the plan can land.
      const bool shim = has_clock_shim(n.name);
      spec.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", volumes_->path(n.name)}};
      if (shim) {
        spec.env["LD_PRELOAD"] = clock_shim_;
        spec.env[clock_control_env] = clock_control(n.name);
      }
      add_sanitizer_options(spec.env, shim);
      const auto added = spec.env;
      for (const auto& [key, value] : n.environment) {
        auto rendered = render(value, values);
        if (!rendered) return rendered.status().with_context("node " + n.name + " environment " + key);
        // The definition's own preloads run after the shim, which must see clock calls first.
        spec.env[key] = key == "LD_PRELOAD" && shim ? clock_shim_ + ":" + *rendered : *rendered;
      }
      spec.netns_fd = network_->netns_fd(n.name);
      spec.stdout_path = options_.run_dir + "/logs/" + n.name + ".out";
      spec.stderr_path = options_.run_dir + "/logs/" + n.name + ".err";
      spec.working_dir = volumes_->path(n.name);
      specs_[n.name] = spec;
      for (auto [url, into] : {std::pair{&n.health_url, &health_urls_}, std::pair{&n.export_url, &export_urls_},
                               std::pair{&n.balances_url, &balances_urls_}}) {
        if (url->empty()) continue;
        auto rendered = render(*url, values);
        if (!rendered) return rendered.status().with_context("node " + n.name);
        (*into)[n.name] = *rendered;
      }
      record_node_setup(n, added, shim);
      if (Status s = supervisor_->start(spec); !s) return s;
    }
    write_node_setup();
    if (!scenario_.detection.log_patterns.empty()) {
      log_watcher_ = std::make_unique<LogWatcher>(scenario_.detection.log_patterns, [this](const std::string& node) {
        return std::vector<std::string>{options_.run_dir + "/logs/" + node + ".out",
                                        options_.run_dir + "/logs/" + node + ".err"};
      });
    }
    for (const auto& [node, url] : health_urls_) {
      auto endpoint = split_url(url);
      if (!endpoint) return endpoint.status().with_context("node " + node + " health_url");
      probes_[node] = Probe{*endpoint, std::make_unique<HttpClient>(io_, endpoint->host, endpoint->port, 1)};
    }
    return Status::ok();
  }

  // What the lab added to node `n`, on the timeline (for the auditor's scope section) and in
  // node-setup.json (for a person reading the run directory).
  void record_node_setup(const NodeDefinition& n, const std::map<std::string, std::string>& added, bool shim) {
    json::object environment;
    for (const auto& [key, value] : added) environment[key] = value;
    json::array own;
    for (const auto& [key, value] : n.environment) own.push_back(json::string(key));
    json::object setup{{"node", n.name},
                       {"clock_shim", shim},
                       {"preload", shim ? json::value(clock_shim_) : json::value(nullptr)},
                       {"environment_added", std::move(environment)},
                       {"definition_environment", std::move(own)},
                       {"volume", json::object{{"kind", "tmpfs"}, {"bytes", n.volume_bytes},
                                               {"path", volumes_->path(n.name)}}},
                       {"network_namespace", true},
                       {"working_dir", volumes_->path(n.name)}};
    node_setup_.push_back(setup);
    timeline_->record("harness", "node_setup", std::move(setup));
  }

  void write_node_setup() {
    json::object out{{"note", "What the lab added to each node: the environment it set (the node's own "
                              "environment from the system definition comes on top), the clock shim (preloaded "
                              "only into the nodes a clock fault of the plan can reach), the volume and the "
                              "network namespace. Nothing else is added."},
                     {"nodes", node_setup_}};
    std::ofstream(options_.run_dir + "/node-setup.json") << json::serialize(out) << "\n";
  }

  // Waits until every node with a health URL answers 2xx, within the largest ready_timeout.
  void wait_healthy(Clock::time_point started) {
    if (stopping_) return;
    milliseconds limit{0};
    for (const auto& n : scenario_.system.nodes) limit = std::max(limit, n.ready_timeout);
    // Nodes without a health URL count as up once they run.
    bool all = true;
    for (const auto& [node, probe] : probes_) all = all && probe.healthy;
    for (const auto& n : scenario_.system.nodes) all = all && supervisor_->running(n.name);
    if (all) return start_traffic();
    if (Clock::now() - started > limit) {
      end_ = RunEnd::inconclusive;
      timeline_->record("harness", "precondition_failed", {{"what", "system did not become healthy"},
                                                           {"within_ms", limit.count()}});
      say("inconclusive: the system did not become healthy within " + format_duration(limit));
      return finish();
    }
    phase_timer_.expires_after(milliseconds(100));
    phase_timer_.async_wait([self = shared_from_this(), started](const boost::system::error_code& ec) {
      if (!ec) self->wait_healthy(started);
    });
  }

  void start_traffic() {
    auto contract = scenario_.system.payments;
    auto base = render(contract.base_url, values_);
    if (!base) {
      fail("workload", base.status());
      return finish();
    }
    contract.base_url = *base;
    workload_ = std::make_unique<PaymentWorkload>(io_, scenario_.workload, contract, plan_.workload_seed, *timeline_);
    if (Status s = workload_->start(); !s) {
      fail("workload", s);
      return finish();
    }
    set_phase("baseline");
    auto deadline = Clock::now() + scenario_.drill.baseline + kBaselineGrace;
    phase_timer_.expires_after(scenario_.drill.baseline);
    phase_timer_.async_wait([self = shared_from_this(), deadline](const boost::system::error_code& ec) {
      if (!ec) self->check_baseline(deadline);
    });
  }

  bool steady() const {
    auto w = workload_->window(scenario_.steady_state.window.count() * kNsPerMs);
    int64_t total = w.ok + w.fail + w.unknown;
    if (total == 0) return false;
    double ratio = static_cast<double>(w.ok) / static_cast<double>(total);
    bool latency_ok = !scenario_.steady_state.latency_p99_max ||
                      w.latency_p99_ms <= static_cast<double>(scenario_.steady_state.latency_p99_max->count());
    return ratio >= scenario_.steady_state.success_ratio_min && latency_ok;
  }

  void check_baseline(Clock::time_point deadline) {
    if (stopping_) return;
    if (scenario_.drill.baseline.count() == 0 || steady()) return start_faults();
    if (Clock::now() > deadline) {
      end_ = RunEnd::inconclusive;
      timeline_->record("harness", "precondition_failed", {{"what", "steady state did not hold in the baseline"}});
      say("inconclusive: the steady state did not hold during the baseline");
      return stop_traffic();
    }
    phase_timer_.expires_after(milliseconds(250));
    phase_timer_.async_wait([self = shared_from_this(), deadline](const boost::system::error_code& ec) {
      if (!ec) self->check_baseline(deadline);
    });
  }

  void start_faults() {
    set_phase("faults");
    fault_phase_start_ = Clock::now();
    for (const PlannedStep& step : plan_.steps) {
      auto timer = std::make_shared<asio::steady_timer>(io_);
      timer->expires_at(fault_phase_start_ + step.at);
      timer->async_wait([self = shared_from_this(), step, timer](const boost::system::error_code& ec) {
        if (ec || self->stopping_) return;
        if (step.action == PlannedStep::Action::apply) {
          self->apply_step(step);
        } else {
          self->revert_step(step);
        }
      });
      step_timers_.push_back(timer);
    }
    phase_timer_.expires_at(fault_phase_start_ + plan_.fault_phase);
    phase_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->heal_then(&Drill::converge);
    });
  }

  // ---- faults -----------------------------------------------------------------------------

  struct ActiveFault {
    int index = 0;
    std::unique_ptr<Fault> fault;
    bool reverting = false;
    bool reverted = false;
  };

  const FaultSpec& spec_of(int index) const { return scenario_.faults.at(static_cast<std::size_t>(index)); }

  // Resolves "node:N" at once and "role:R" by asking the system (dynamic) or from the plan's
  // static choice, then calls `next` with the node or an error.
  void resolve(const std::string& target, std::function<void(Result<std::string>)> next) {
    // A bare node name (scenario.h: NAME means node:NAME).
    if (target.rfind("node:", 0) != 0 && target.rfind("role:", 0) != 0) return next(target);
    std::string name = target.substr(5);
    if (target.rfind("node:", 0) == 0) return next(name);
    if (const DynamicRole* role = scenario_.system.find_dynamic_role(name)) {
      auto url = render(role->url, values_);
      if (!url) return next(url.status());
      auto endpoint = split_url(*url);
      if (!endpoint) return next(endpoint.status());
      auto client = std::make_shared<HttpClient>(io_, endpoint->host, endpoint->port, 1);
      client->request("GET", endpoint->target, "", milliseconds(2000),
                      [this, client, role, name, next = std::move(next)](HttpResult r) {
                        client->close();
                        auto node = r.ok() && r.status == 200 ? json_pointer_string(r.body, role->pointer)
                                                               : std::nullopt;
                        if (!node || !scenario_.system.find_node(*node)) {
                          return next(Status::error("role " + name + ": could not resolve (" +
                                                    (r.ok() ? std::to_string(r.status) : r.error) + ")"));
                        }
                        next(*node);
                      });
      return;
    }
    auto holders = scenario_.system.nodes_with_role(name);
    if (!holders.empty()) return next(holders.front()->name);
    next(Status::error("role " + name + ": no node has it"));
  }

  // For a kind that takes a whole static role (storage.loss of "role:ledger"): every node with
  // the role, joined by ','; nullopt for any other kind or target.
  std::optional<std::string> whole_role(const PlannedStep& step) const {
    const FaultKind* kind = builtin_fault_kinds().find(step.kind);
    if (!kind || !kind->entry.whole_static_role || step.target.rfind("role:", 0) != 0) return std::nullopt;
    std::string role = step.target.substr(5);
    if (scenario_.system.find_dynamic_role(role)) return std::nullopt;
    std::string nodes;
    for (const NodeDefinition* n : scenario_.system.nodes_with_role(role)) nodes += (nodes.empty() ? "" : ",") + n->name;
    return nodes;
  }

  void apply_step(const PlannedStep& step) {
    int64_t scheduled = timeline_->now_ns();
    auto resolve_target = [this, step](std::function<void(Result<std::string>)> next) {
      if (auto nodes = whole_role(step)) return next(*nodes);
      // A kind that names its nodes in its parameters (network.partition) has a target that only
      // describes them ("role:ledger-primary -> client"): nothing to resolve.
      const FaultKind* kind = builtin_fault_kinds().find(step.kind);
      if (kind && !kind->entry.needs_target) return next(step.target);
      resolve(step.target, std::move(next));
    };
    resolve_target([this, step, scheduled](Result<std::string> node) {
      if (stopping_) return;
      if (!node) return fail("fault[" + std::to_string(step.fault_index) + "] " + step.kind, node.status());
      auto fault = builtin_fault_kinds().make(spec_of(step.fault_index), *node, fault_context_);
      if (!fault) return fail("fault[" + std::to_string(step.fault_index) + "]", fault.status());
      // The revert is registered before the apply runs (STYLE.md habit 2).
      active_.push_back(ActiveFault{step.fault_index, std::move(*fault)});
      Fault* f = active_.back().fault.get();
      timeline_->record("fault", "revert_registered", {{"fault", step.fault_index}, {"fault_kind", step.kind}, {"node", *node}});
      timeline_->record("fault", "apply", {{"fault", step.fault_index}, {"fault_kind", step.kind}, {"target", step.target},
                                           {"node", *node}, {"scheduled_ns", scheduled}});
      say("apply fault[" + std::to_string(step.fault_index) + "] " + step.kind + " on " + *node);
      f->apply([this, step, scheduled](Status s, json::object evidence) {
        int64_t t0 = timeline_->now_ns();
        timeline_->record("fault", s ? "applied" : "apply_failed",
                          {{"fault", step.fault_index}, {"fault_kind", step.kind}, {"verified", s.is_ok()},
                           {"scheduled_ns", scheduled}, {"gap_ns", t0 - scheduled},
                           {"evidence", std::move(evidence)}, {"error", s.message()}});
        if (s) ++faults_verified_;
        if (!s) fail("fault[" + std::to_string(step.fault_index) + "] apply", s);
      });
    });
  }

  // Runs a node's action ([node.actions]) for a fault: rendered like the node's command, in the
  // node's environment, network namespace and working directory, output appended to
  // logs/<node>.<action>.out/.err; its start and end go on the timeline (source "action"), the
  // end with the exit status, the duration and the JSON report the action printed last, if any.
  void run_action(const ActionRequest& request, std::function<void(ActionOutcome)> done) {
    const NodeDefinition* node = scenario_.system.find_node(request.node);
    auto fail_now = [&](const std::string& error) {
      timeline_->record("action", "end", {{"fault", request.fault}, {"node", request.node},
                                          {"action", request.action}, {"purpose", request.purpose},
                                          {"succeeded", false}, {"error", error}, {"duration_ns", 0}});
      ActionOutcome outcome;
      outcome.error = error;
      asio::post(io_, [done = std::move(done), outcome] { done(outcome); });
    };
    if (!node || !node->actions.count(request.action)) {
      return fail_now("node " + request.node + " has no action \"" + request.action + "\"");
    }
    ProcessSpec spec = specs_.at(request.node);
    spec.name = request.node + "." + request.action;
    spec.argv.clear();
    Values values = node_values(values_, request.node, inputs_);
    for (const auto& arg : node->actions.at(request.action)) {
      auto rendered = render(arg, values);
      if (!rendered) return fail_now(rendered.status().message());
      spec.argv.push_back(*rendered);
    }
    spec.stdout_path = options_.run_dir + "/logs/" + spec.name + ".out";
    spec.stderr_path = options_.run_dir + "/logs/" + spec.name + ".err";
    std::error_code ec;
    const auto stdout_offset = fs::exists(spec.stdout_path, ec) ? fs::file_size(spec.stdout_path, ec) : 0;
    json::array argv;
    for (const auto& a : spec.argv) argv.push_back(json::string(a));
    const int64_t started = timeline_->now_ns();
    timeline_->record("action", "start", {{"fault", request.fault}, {"node", request.node}, {"action", request.action},
                                          {"purpose", request.purpose}, {"argv", std::move(argv)}});
    say("action " + request.action + " on " + request.node);
    supervisor_->run_task(spec, node->action_timeout, [this, request, spec, started, stdout_offset,
                                                       done = std::move(done)](const TaskResult& r) {
      ActionOutcome outcome;
      outcome.succeeded = r.succeeded();
      outcome.exit_code = r.exit_code;
      outcome.duration_ns = timeline_->now_ns() - started;
      outcome.output = last_json_line(spec.stdout_path, stdout_offset);
      outcome.error = !r.error.empty()   ? r.error
                      : r.timed_out      ? "timed out"
                      : r.signal         ? "killed by signal " + std::to_string(r.signal)
                      : r.exit_code != 0 ? "exit status " + std::to_string(r.exit_code)
                                         : "";
      timeline_->record("action", "end", {{"fault", request.fault}, {"node", request.node},
                                          {"action", request.action}, {"purpose", request.purpose},
                                          {"succeeded", outcome.succeeded}, {"exit_code", r.exit_code},
                                          {"signal", r.signal}, {"timed_out", r.timed_out},
                                          {"error", outcome.error}, {"duration_ns", outcome.duration_ns},
                                          {"started_ns", started}, {"output", outcome.output},
                                          {"stdout", "logs/" + spec.name + ".out"}});
      say("action " + request.action + " on " + request.node + ": " +
          (outcome.succeeded ? "done" : "failed (" + outcome.error + ")"));
      done(std::move(outcome));
    });
  }

  // The last non-empty line written to `path` after `offset`, parsed as JSON; null when it is not
  // JSON (an action need not report anything). Reads at most the last 64 KiB.
  static json::value last_json_line(const std::string& path, std::uintmax_t offset) {
    std::ifstream in(path, std::ios::binary);
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::uintmax_t>(in.tellg());
    const std::uintmax_t from = std::max(offset, size > 65'536 ? size - 65'536 : 0);
    in.seekg(static_cast<std::streamoff>(from));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    std::string line = text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
    json::error_code ec;
    json::value parsed = json::parse(line, ec);
    return ec ? json::value(nullptr) : parsed;
  }

  void revert_step(const PlannedStep& step) {
    for (auto& a : active_) {
      if (a.index == step.fault_index && !a.reverting) return revert_one(a, [] {});
    }
  }

  void revert_one(ActiveFault& a, std::function<void()> then) {
    if (a.reverting) return then();
    a.reverting = true;
    int64_t started = timeline_->now_ns();
    timeline_->record("fault", "revert", {{"fault", a.index}, {"fault_kind", a.fault->kind()}, {"node", a.fault->node()}});
    say("revert fault[" + std::to_string(a.index) + "] " + a.fault->kind() + " on " + a.fault->node());
    a.fault->revert([this, &a, started, then = std::move(then)](Status s, json::object evidence) {
      a.reverted = s.is_ok();
      timeline_->record("fault", s ? "reverted" : "revert_failed",
                        {{"fault", a.index}, {"fault_kind", a.fault->kind()}, {"verified", s.is_ok()},
                         {"started_ns", started}, {"evidence", std::move(evidence)}, {"error", s.message()}});
      if (!s) fail("fault[" + std::to_string(a.index) + "] revert", s);
      then();
    });
  }

  // Reverts every fault not yet reverted, newest first, one after another; then `next`.
  void heal_then(void (Drill::*next)()) {
    for (auto& t : step_timers_) t->cancel();
    set_phase("heal");
    revert_remaining(active_.size(), next);
  }

  void revert_remaining(std::size_t i, void (Drill::*next)()) {
    while (i > 0 && active_[i - 1].reverting) --i;
    if (i == 0) return (this->*next)();
    revert_one(active_[i - 1], [self = shared_from_this(), i, next] { self->revert_remaining(i - 1, next); });
  }

  // ---- after the faults -------------------------------------------------------------------

  void converge() {
    if (stopping_ || aborting_) return;  // an abort during the heal goes straight to the final reads
    set_phase("convergence");
    phase_timer_.expires_after(scenario_.drill.convergence);
    phase_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->stop_traffic();
    });
  }

  void stop_traffic() {
    if (traffic_stopped_) return;
    traffic_stopped_ = true;
    if (!workload_) return final_reads();
    workload_->stop([self = shared_from_this()] { self->final_reads(); });
  }

  // Reads every node's export (and balances, where the definition gives a URL) into exports/.
  void final_reads() {
    if (stopping_) return;
    set_phase("final_reads");
    std::vector<std::tuple<std::string, std::string, std::string>> reads;  // node, file, url
    for (const auto& [node, url] : export_urls_) reads.emplace_back(node, node + ".ndjson", url);
    for (const auto& [node, url] : balances_urls_) reads.emplace_back(node, node + ".balances.json", url);
    pending_reads_ = reads.size();
    if (pending_reads_ == 0) return finish();
    for (const auto& [node, file, url] : reads) {
      auto endpoint = split_url(url);
      if (!endpoint) {
        fail("final read " + node, endpoint.status());
        if (--pending_reads_ == 0) finish();
        continue;
      }
      auto client = std::make_shared<HttpClient>(io_, endpoint->host, endpoint->port, 1);
      client->request("GET", endpoint->target, "", kExportTimeout,
                      [self = shared_from_this(), client, node = node, file = file](HttpResult r) {
                        client->close();
                        self->on_final_read(node, file, std::move(r));
                      });
    }
  }

  void on_final_read(const std::string& node, const std::string& file, HttpResult r) {
    if (r.ok() && r.status == 200) {
      std::ofstream(options_.run_dir + "/exports/" + file, std::ios::binary | std::ios::trunc) << r.body;
      int64_t lines = std::count(r.body.begin(), r.body.end(), '\n');
      timeline_->record("harness", "final_read", {{"node", node}, {"ok", true}, {"path", "exports/" + file},
                                                  {"bytes", r.body.size()}, {"records", lines},
                                                  {"sha256", sha256_hex(r.body)}});
      if (file.size() > 7 && file.substr(file.size() - 7) == ".ndjson") {
        say("final read " + node + ": " + std::to_string(lines) + " transfers");
      }
    } else {
      timeline_->record("harness", "final_read", {{"node", node}, {"ok", false}, {"path", "exports/" + file},
                                                  {"error", r.ok() ? "status " + std::to_string(r.status) : r.error}});
      fail("final read " + node + " " + file, Status::error(r.ok() ? "status " + std::to_string(r.status) : r.error));
    }
    if (--pending_reads_ == 0) finish();
  }

  // ---- endings ----------------------------------------------------------------------------

  void abort(const std::string& why) {
    if (stopping_ || aborting_) return;
    aborting_ = true;
    if (end_ == RunEnd::completed) end_ = RunEnd::aborted;  // an earlier inconclusive result wins
    timeline_->record("harness", "abort", {{"reason", why}});
    say("aborting (" + why + "): reverting faults");
    phase_timer_.cancel();
    heal_then(&Drill::stop_traffic);
  }

  void finish() {
    if (stopping_) return;
    stopping_ = true;
    if (tty_ && !status_line_.empty()) std::printf("\n");
    status_line_.clear();
    set_phase("lab_down");
    for (auto& t : step_timers_) t->cancel();
    phase_timer_.cancel();
    tick_timer_.cancel();
    signals_.cancel();
    for (auto& [node, probe] : probes_) probe.client->close();
    if (receiver_) receiver_->stop();
    supervisor_->kill_all();
    summarize();
    io_.stop();
  }

  void teardown() {
    if (supervisor_) supervisor_->kill_all();
    volumes_.reset();
    network_.reset();
  }

  void summarize() {
    PaymentWorkload::Stats totals = workload_ ? workload_->totals() : PaymentWorkload::Stats{};
    int64_t applied = faults_verified_, reverted = 0;
    for (const auto& a : active_) reverted += a.reverted ? 1 : 0;
    const char* ends[] = {"completed", "inconclusive", "aborted", "error"};
    std::string end = ends[static_cast<int>(end_)];
    timeline_->record("harness", "end", {{"end", end},
                                         {"payments_ok", totals.ok},
                                         {"payments_fail", totals.fail},
                                         {"payments_unknown", totals.unknown},
                                         {"payments_skipped", totals.skipped},
                                         {"faults_applied", applied},
                                         {"faults_reverted", reverted},
                                         {"unexpected_exits", unexpected_exits_},
                                         {"alerts_firing", alerts_firing_},
                                         {"harness_errors", harness_errors_}});
    std::ostringstream out;
    out << "drill " << scenario_.drill.name << " (seed " << plan_.seed << "): " << end << "\n"
        << "  payments: " << totals.ok << " ok, " << totals.fail << " failed, " << totals.unknown
        << " unknown, " << totals.skipped << " not started (in-flight limit)\n"
        << "  faults: " << applied << " applied, " << reverted << " reverted; unexpected process exits: "
        << unexpected_exits_ << "; harness errors: " << harness_errors_ << "\n"
        << "  run directory: " << options_.run_dir << " (timeline.jsonl: " << timeline_->records()
        << " records, chain head " << timeline_->head().substr(0, 16) << ")\n";
    std::ofstream(options_.run_dir + "/summary.txt") << out.str();
    std::cout << out.str() << std::flush;
  }

  // ---- continuous work --------------------------------------------------------------------

  struct Probe {
    Endpoint endpoint;
    std::unique_ptr<HttpClient> client;
    bool healthy = false;
    bool in_flight = false;
    Clock::time_point next{};
  };

  void tick() {
    auto now = Clock::now();
    for (auto& [node, probe] : probes_) {
      if (probe.in_flight || now < probe.next || stopping_) continue;
      probe.next = now + scenario_.steady_state.probe_interval;
      probe.in_flight = true;
      int64_t sent = timeline_->now_ns();
      auto timeout = std::max(milliseconds(100), scenario_.steady_state.probe_interval);
      probe.client->request("GET", probe.endpoint.target, "", timeout,
                            [self = shared_from_this(), node = node, sent](HttpResult r) {
                              auto it = self->probes_.find(node);
                              if (it == self->probes_.end() || self->stopping_) return;
                              it->second.in_flight = false;
                              bool ok = r.ok() && r.status >= 200 && r.status < 300;
                              it->second.healthy = ok;
                              self->timeline_->record("probe", "health",
                                                      {{"node", node}, {"ok", ok}, {"status", r.status},
                                                       {"latency_ns", self->timeline_->now_ns() - sent},
                                                       {"error", r.ok() ? "" : r.error}});
                            });
    }
    if (log_watcher_) log_watcher_->poll(*timeline_);
    reap_orphans([this](pid_t pid) { return supervised_pid(pid); });
    if (now >= next_progress_) {
      next_progress_ = now + milliseconds(1000);
      progress();
    }
    check_stop_conditions();
    tick_timer_.expires_after(kTick);
    tick_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->tick();
    });
  }

  bool supervised_pid(pid_t pid) const { return supervisor_->owns(pid); }

  void progress() {
    if (!workload_) return;
    auto w = workload_->window(1'000 * kNsPerMs);
    bool is_steady = steady();
    timeline_->record("harness", "steady_state", {{"steady", is_steady}, {"ok", w.ok}, {"fail", w.fail},
                                                  {"unknown", w.unknown}, {"p99_ms", w.latency_p99_ms}});
    std::string active;
    for (const auto& a : active_) {
      if (!a.reverted) active += (active.empty() ? "" : ", ") + a.fault->kind() + "@" + a.fault->node();
    }
    char line[256];
    std::snprintf(line, sizeof line, "%-11s payments/s %5lld  errors %3lld  unknown %3lld  p99 %6.1f ms  %s  active: %s",
                  phase_.c_str(), static_cast<long long>(w.ok), static_cast<long long>(w.fail),
                  static_cast<long long>(w.unknown), w.latency_p99_ms, is_steady ? "steady  " : "UNSTEADY",
                  active.empty() ? "-" : active.c_str());
    // Recovery as it happens: the steady state lost and regained during the drill.
    if (phase_ == "faults" || phase_ == "heal" || phase_ == "convergence") {
      if (was_steady_ && !is_steady) say("steady state lost");
      if (!was_steady_ && is_steady) say("steady state back");
    }
    was_steady_ = is_steady;
    show_status(line);
  }

  // ---- stop conditions ([stop]) --------------------------------------------------------------

  // The abort guards, every tick. They protect the system from a drill gone wrong, so they are
  // evaluated while faults may be in effect or their damage may last: from the start of the
  // fault phase through convergence (not in the baseline, which has its own gate). The first
  // guard to trip records a `stop_condition` and takes the abort path: every fault reverted,
  // newest first, then the final reads and the reports; verdict aborted.
  void check_stop_conditions() {
    if (!workload_) return;
    const int64_t now = timeline_->now_ns();
    // The last ok completion is followed from the workload's start (to the tick), so a stall
    // that began in the baseline is measured from its true start.
    const int64_t ok = workload_->totals().ok;
    if (last_ok_ns_ < 0 || ok != ok_seen_) {
      ok_seen_ = ok;
      last_ok_ns_ = now;
    }
    const bool guarded = phase_ == "faults" || phase_ == "heal" || phase_ == "convergence";
    if (!guarded || aborting_ || stopping_ || traffic_stopped_) {
      error_ratio_above_since_ns_ = -1;
      return;
    }
    const StopSpec& stop = scenario_.stop;
    if (stop.error_ratio_max && stop.error_ratio_for) {
      const double max = stop.error_ratio_max.value_or(1.0);
      const Milliseconds hold = stop.error_ratio_for.value_or(Milliseconds(0));
      auto w = workload_->window(scenario_.steady_state.window.count() * kNsPerMs);
      const int64_t total = w.ok + w.fail + w.unknown;
      const double ratio = total > 0 ? static_cast<double>(w.fail + w.unknown) / static_cast<double>(total) : 0.0;
      // A window without completions says nothing about the ratio: "continuously above" ends.
      if (total == 0 || ratio <= max) {
        error_ratio_above_since_ns_ = -1;
      } else {
        if (error_ratio_above_since_ns_ < 0) error_ratio_above_since_ns_ = now;
        if (now - error_ratio_above_since_ns_ >= hold.count() * kNsPerMs) {
          char text[160];
          std::snprintf(text, sizeof text, "stop condition error_ratio: %.2f > %g for %s (tripped at %s)", ratio, max,
                        format_duration(hold).c_str(), format_offset(now).c_str());
          return trip_stop_condition("error_ratio", json::value(max), json::value(ratio), error_ratio_above_since_ns_,
                                     hold, text);
        }
      }
    }
    if (stop.no_progress_for) {
      const Milliseconds limit = stop.no_progress_for.value_or(Milliseconds(0));
      const int64_t stalled_ns = now - last_ok_ns_;
      if (stalled_ns >= limit.count() * kNsPerMs) {
        char text[160];
        std::snprintf(text, sizeof text, "stop condition no_progress: no payment ok for %s >= %s (tripped at %s)",
                      format_offset(stalled_ns).c_str(), format_duration(limit).c_str(), format_offset(now).c_str());
        return trip_stop_condition("no_progress", json::value(limit.count()), json::value(stalled_ns / kNsPerMs),
                                   last_ok_ns_, limit, text);
      }
    }
  }

  // `threshold` and `observed` are a share for error_ratio, milliseconds for no_progress;
  // `since_ns` is when the condition began (above the ratio; the last ok completion).
  void trip_stop_condition(const char* guard, json::value threshold, json::value observed, int64_t since_ns,
                           Milliseconds hold, const std::string& reason) {
    timeline_->record("harness", "stop_condition", {{"guard", guard}, {"threshold", std::move(threshold)},
                                                    {"observed", std::move(observed)}, {"since_ns", since_ns},
                                                    {"for_ms", hold.count()}, {"reason", reason}});
    abort(reason);
  }

  void on_process_event(const ProcessEvent& e) {
    const char* kinds[] = {"started", "exited", "start_failed"};
    json::object fields{{"node", e.name}, {"pid", e.pid}, {"expected", e.expected}};
    if (e.kind == ProcessEvent::Kind::exited) {
      fields["exit_code"] = e.exit_code;
      fields["signal"] = e.signal;
      if (!e.expected && !stopping_) {
        ++unexpected_exits_;
        say("unexpected exit of " + e.name + (e.signal ? " (signal " + std::to_string(e.signal) + ")"
                                                         : " (code " + std::to_string(e.exit_code) + ")"));
      }
    }
    if (!e.error.empty()) fields["error"] = e.error;
    timeline_->record("supervisor", kinds[static_cast<int>(e.kind)], std::move(fields));
  }

  const Scenario& scenario_;
  const Plan& plan_;
  RunOptions options_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer phase_timer_;
  asio::steady_timer tick_timer_;
  std::unique_ptr<Supervisor> supervisor_;
  std::unique_ptr<Timeline> timeline_;
  std::unique_ptr<LabNetwork> network_;
  std::unique_ptr<Volumes> volumes_;
  std::unique_ptr<AlertReceiver> receiver_;
  std::unique_ptr<PaymentWorkload> workload_;
  std::unique_ptr<LogWatcher> log_watcher_;
  LabPlace place_{io_, *supervisor_};
  FaultContext fault_context_{io_, place_, std::chrono::milliseconds(5000), {}};
  RenderInputs inputs_;
  Values values_;
  std::map<std::string, ProcessSpec> specs_;
  std::string clock_shim_;  // canonical path; empty when no node runs with the shim
  json::array node_setup_;
  std::map<std::string, std::string> health_urls_;
  std::map<std::string, std::string> export_urls_;
  std::map<std::string, std::string> balances_urls_;
  std::map<std::string, Probe> probes_;
  std::deque<ActiveFault> active_;  // deque: references stay valid as faults are added
  std::vector<std::shared_ptr<asio::steady_timer>> step_timers_;
  Clock::time_point fault_phase_start_{};
  Clock::time_point next_progress_{};
  int64_t ok_seen_ = 0;                       // the workload's ok count at the last tick
  int64_t last_ok_ns_ = -1;                   // when that count last grew (-1: not yet seen)
  int64_t error_ratio_above_since_ns_ = -1;   // start of the current excess (-1: none)
  std::string phase_;
  std::size_t pending_reads_ = 0;
  RunEnd end_ = RunEnd::completed;
  bool stopping_ = false;
  bool aborting_ = false;
  bool traffic_stopped_ = false;
  bool tty_ = isatty(STDOUT_FILENO) != 0;
  bool was_steady_ = true;
  std::string status_line_;
  int64_t harness_errors_ = 0;
  int64_t faults_verified_ = 0;
  int64_t unexpected_exits_ = 0;
  int64_t alerts_firing_ = 0;
};

RunEnd run_drill(const Scenario& scenario, const Plan& plan, const RunOptions& options) {
  return std::make_shared<Drill>(scenario, plan, options)->run();
}

}  // namespace firedrill
