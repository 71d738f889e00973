// One drill as a sequence of stages; see drill.h.
#include "runner/drill.h"

#include <csignal>
#include <cstring>

#include "core/limits.h"
#include "lab/lab.h"
#include "runner/host_wiring.h"
#include "runner/poll.h"
#include "runner/steady_gate.h"

namespace json = boost::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace firedrill {

Drill::Drill(const Scenario& scenario, const Plan& plan, const RunOptions& options, std::unique_ptr<Timeline> timeline)
    : scenario_(scenario), plan_(plan), options_(options), paths_{options.run_dir}, signals_(io_, SIGINT, SIGTERM),
      phase_timer_(io_), tick_timer_(io_), timeline_(std::move(timeline)), console_(*timeline_, options.progress),
      phases_(*timeline_, console_),
      on_hosts_(scenario.system.on_hosts()),
      supervisor_(std::make_unique<Supervisor>(io_, [this](const ProcessEvent& e) { on_process_event(e); })),
      lab_place_(on_hosts_ ? nullptr : std::make_unique<LabPlace>(io_, *supervisor_)),
      host_place_(!on_hosts_ ? nullptr
                             : std::make_unique<HostPlace>(HostPlaceSetup{
                                   .io = io_,
                                   .system = scenario.system,
                                   .run_id = host_run_id(options.run_dir),
                                   .step_deadline = kFaultStepDeadlineMs,
                                   .on_event = [this](const ProcessEvent& e) { on_process_event(e); },
                                   .clock_nodes = plan.clock_shim_nodes,
                                   .on_host_lost = [this](const std::string& host,
                                                          const std::string& why) { on_host_lost(host, why); },
                                   .switch_delay =
                                       [this](ChangeId change) {
                                         return host_switch_delay(plan_, change, scenario_.system.ssh.switch_grace, fault_phase_start_,
                                                                  Clock::now());
                                       }})),
      faults_(io_, on_hosts_ ? static_cast<Place&>(*host_place_) : static_cast<Place&>(*lab_place_)),
      resolver_(io_, scenario.system, launched_.values),
      reverts_(*timeline_, console_, failure_sink()),
      schedule_(FaultScheduleParts{io_, *timeline_, console_, scenario, faults_, resolver_, reverts_, failure_sink(),
                                   [this] { return ending(); }}),
      actions_(NodeActionParts{io_, *timeline_, console_,
                               [this](const ProcessSpec& spec, milliseconds deadline,
                                      std::function<void(const TaskResult&)> done) {
                                 if (host_place_) return host_place_->run_task(spec, deadline, std::move(done));
                                 supervisor_->run_task(spec, deadline, std::move(done));
                               },
                               scenario.system, launched_, paths_}),
      probes_(io_, *timeline_, scenario.steady_state.probe_interval),
      final_reads_(io_, *timeline_, console_, paths_, failure_sink()),
      guards_(scenario.stop),
      progress_(*timeline_, console_, scenario.steady_state),
      monitoring_(io_, *timeline_, scenario) {}

RunEnd Drill::run() {
  watch_signals();
  if (Status s = preflight(); !s) {
    inconclusive(s.message(), s.message());
    return end_before_system();
  }
  if (Status s = on_hosts_ ? hosts_up() : lab_up(); !s) {
    fail("lab up", s);
    end_ = RunEnd::inconclusive;
    return end_before_system();
  }
  if (Status s = system_up(); !s) {
    fail("system up", s);
    end_ = RunEnd::inconclusive;
    finish();
  } else {
    tick();
    wait_healthy();
  }
  io_.run();
  stop_watching();
  teardown();
  return end_;
}

// A drill that ends before any node started: the summary, and whatever of the lab was built.
RunEnd Drill::end_before_system() {
  stop_watching();
  summarize();
  teardown();
  return end_;
}

// ---- the stages ---------------------------------------------------------------------------

// What the scenario needs of this machine, checked before anything starts.
Status Drill::preflight() {
  if (on_hosts_) return hosts_preflight();
  auto shim = locate_clock_shim(plan_, options_.bin_dir);
  if (!shim) return shim.status();
  clock_shim_ = *shim;
  return faults_.preflight(scenario_);
}

Status Drill::lab_up() {
  phases_.enter(Phase::lab_up);
  auto lab = build_lab(scenario_, plan_, paths_, options_.subnet);
  if (!lab) return lab.status();
  lab_ = std::move(*lab);
  connect_faults();
  receiver_ = std::make_unique<AlertReceiver>(
      io_, *timeline_, [this](const std::string& status, const std::string& name) { on_alert(status, name); });
  if (Status s = receiver_->listen(lab_.network->controller_address(), kAlertPort); !s) return s;
  record_lab(*timeline_, lab_);
  return Status::ok();
}

Status Drill::system_up() {
  phases_.enter(Phase::system_up);
  std::function<Status(const ProcessSpec&)> start = [this](const ProcessSpec& spec) { return supervisor_->start(spec); };
  LaunchSite site;
  if (on_hosts_) {
    site = host_launch_site(scenario_, paths_, options_.bin_dir, *host_place_, clock_shim_);
    start = [this](const ProcessSpec& spec) { return start_on_host(spec); };
  } else {
    site = lab_launch_site(lab_, paths_, options_.bin_dir, clock_shim_, plan_.durable_volume_nodes,
                           plan_.volume_fill_nodes);
  }
  auto launched = launch_nodes(scenario_, plan_, site, start, *timeline_);
  if (!launched) return launched.status();
  launched_ = std::move(*launched);
  monitoring_.launched(launched_.inputs.addresses);
  if (!scenario_.detection.log_patterns.empty()) {
    log_watcher_ = std::make_unique<LogWatcher>(scenario_.detection.log_patterns, [this](const std::string& node) {
      return std::vector<std::string>{paths_.log_out(node), paths_.log_err(node)};
    });
  }
  for (const auto& [node, url] : launched_.health_urls) {
    if (Status s = probes_.add(node, url); !s) return s;
  }
  return Status::ok();
}

// Waits until every node runs and every health URL answers 2xx, within the largest ready_timeout.
void Drill::wait_healthy() {
  milliseconds limit{0};
  for (const auto& n : scenario_.system.nodes) limit = std::max(limit, n.ready_timeout);
  auto healthy = [this] {
    bool all = probes_.all_healthy();
    for (const auto& n : scenario_.system.nodes) all = all && node_running(n.name);
    return all && monitoring_.scraping();
  };
  auto timed_out = [this, limit] {
    const std::string monitoring = monitoring_.scraping() ? "" : " (" + monitoring_.waiting_for() + ")";
    inconclusive("system did not become healthy",
                 "the system did not become healthy within " + format_duration(limit) + monitoring, limit.count());
    finish();
  };
  poll_until(phase_timer_, Poll{kHealthPollMs, Clock::now() + limit, [this] { return ending(); }, healthy,
                                [this] { start_traffic(); }, timed_out});
}

void Drill::start_traffic() {
  if (const std::string p = monitoring_.problem(); !p.empty()) return inconclusive(p, p), finish();
  auto contract = scenario_.system.payments;
  auto base = render(contract.base_url, launched_.values);
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
  phases_.enter(Phase::baseline);
  const auto deadline = Clock::now() + scenario_.drill.baseline + kBaselineGraceMs;
  phase_timer_.expires_after(scenario_.drill.baseline);
  phase_timer_.async_wait([this, deadline](const boost::system::error_code& ec) {
    if (!ec) wait_baseline(deadline);
  });
}

// The baseline gate: no fault until the steady state holds, within the baseline plus a grace.
void Drill::wait_baseline(Clock::time_point deadline) {
  auto steady = [this] { return scenario_.drill.baseline.count() == 0 || steady_now(*workload_, scenario_.steady_state); };
  auto timed_out = [this] {
    inconclusive("steady state did not hold in the baseline", "the steady state did not hold during the baseline");
    stop_traffic();
  };
  poll_until(phase_timer_, Poll{kBaselinePollMs, deadline, [this] { return ending(); }, steady,
                                [this] { start_faults(); }, timed_out});
}

void Drill::start_faults() {
  phases_.enter(Phase::faults);
  const auto phase_start = Clock::now();
  fault_phase_start_ = phase_start;
  schedule_.start(plan_, phase_start);
  phase_timer_.expires_at(phase_start + plan_.fault_phase);
  phase_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) heal_then([this] { converge(); });
  });
}

// Reverts every fault not yet reverted, newest first, one after another; then `next`.
void Drill::heal_then(std::function<void()> next) {
  schedule_.cancel();
  phases_.enter(Phase::heal);
  reverts_.revert_all(std::move(next));
}

void Drill::converge() {
  if (ending() || aborting_) return;  // an abort during the heal goes straight to the final reads
  phases_.enter(Phase::convergence);
  phase_timer_.expires_after(scenario_.drill.convergence);
  phase_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) stop_traffic();
  });
}

void Drill::stop_traffic() {
  if (traffic_stopped_) return;
  traffic_stopped_ = true;
  if (!workload_) return final_reads();
  workload_->stop([this] { final_reads(); });
}

void Drill::final_reads() {
  if (ending()) return;
  phases_.enter(Phase::final_reads);
  // Then what the drill's Prometheus recorded (rules, alert episodes), while it still runs.
  final_reads_.start(launched_, [this] { monitoring_.read_then([this] { finish(); }); });
}

void Drill::finish() {
  if (ending()) return;
  console_.end_status_line();
  phases_.enter(Phase::lab_down);
  schedule_.cancel();
  phase_timer_.cancel();
  tick_timer_.cancel();
  signals_.cancel();
  stop_watching();  // a stop now would change nothing: the live page is told the drill is over
  probes_.close();
  if (receiver_) receiver_->stop();
  if (host_place_) {
    // Started nodes stopped, their logs fetched, firedrill's table gone, the switches disarmed.
    host_place_->finish(paths_.logs_dir(), kHostStopGraceMs, [this](Status s) {
      if (!s) fail("hosts down", s);
      summarize();
      io_.stop();
    });
    return;
  }
  supervisor_->kill_all();
  summarize();
  io_.stop();
}

void Drill::teardown() {
  if (supervisor_) supervisor_->kill_all();
  host_place_.reset();  // the SSH sessions end; each host's switch covers anything left
  lab_.volumes.reset();
  lab_.network.reset();
}

// ---- around the stages --------------------------------------------------------------------

FailureSink Drill::failure_sink() {
  return [this](const std::string& where, const Status& status) { fail(where, status); };
}

// A precondition of the drill did not hold: recorded with `what` (and the limit it was not met
// within, if any), said as `said`.
void Drill::inconclusive(const std::string& what, const std::string& said, std::optional<int64_t> within_ms) {
  end_ = RunEnd::inconclusive;
  timeline_->write(HarnessPreconditionFailed{.what = what, .within_ms = within_ms});
  console_.say("inconclusive: " + said);
}

// Every kRunnerTickMs: the probes, the log patterns, orphans reaped, the progress, the stop guards.
void Drill::tick() {
  const auto now = Clock::now();
  probes_.tick(now);
  if (log_watcher_) log_watcher_->poll(*timeline_);
  // Only as the lab's init: on hosts the controller is an ordinary process whose children (the ssh
  // clients) are watched by their owners.
  if (!on_hosts_) reap_orphans([this](pid_t pid) { return supervisor_->owns(pid); });
  if (now >= next_progress_) {
    next_progress_ = now + kProgressIntervalMs;
    if (workload_) progress_.report(phases_.current(), *workload_, reverts_.active());
  }
  check_stop_guards();
  tick_timer_.expires_after(kRunnerTickMs);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void Drill::on_process_event(const ProcessEvent& e) {
  std::optional<std::string> error;
  if (!e.error.empty()) error = e.error;
  const SupervisorProcess process{.node = e.name, .pid = e.pid, .expected = e.expected, .error = error};
  switch (e.kind) {
    case ProcessEvent::Kind::started: timeline_->write(SupervisorStarted{process}); break;
    case ProcessEvent::Kind::start_failed: timeline_->write(SupervisorStartFailed{process}); break;
    case ProcessEvent::Kind::exited:
      if (!e.expected && !ending()) {
        ++counts_.unexpected_exits;
        console_.say("unexpected exit of " + e.name + (e.signal ? " (signal " + std::to_string(e.signal) + ")"
                                                                : " (code " + std::to_string(e.exit_code) + ")"));
      }
      timeline_->write(SupervisorExited{.node = e.name,
                                        .pid = e.pid,
                                        .expected = e.expected,
                                        .exit_code = e.exit_code,
                                        .signal = e.signal,
                                        .error = error});
      break;
  }
}

void Drill::on_alert(const std::string& status, const std::string& name) {
  if (status != "firing") return;
  ++counts_.alerts_firing;
  console_.say("alert firing: " + name);
}

bool Drill::node_running(const std::string& node) const {
  return host_place_ ? host_place_->running(node) : supervisor_->running(node);
}

void Drill::connect_faults() {
  faults_.set_resolve([this](const std::string& target, ResolveDone next) { resolver_.resolve(target, std::move(next)); });
  if (host_place_) {
    host_place_->set_action_runner([this](const ActionRequest& request, std::function<void(ActionOutcome)> done) {
      actions_.run(request, std::move(done));
    });
    return;
  }
  LabContext& lab = lab_place_->context();
  lab.network = lab_.network.get();
  lab.volumes = lab_.volumes.get();
  lab.clock_shim = clock_shim_;
  lab.clock_control = [this](const std::string& node) {
    return runs_clock_shim(plan_, node) ? paths_.clock_control(node) : std::string();
  };
  lab.backup_dir = [this](const std::string& node) { return paths_.backup_dir(node); };
  lab.run_action = [this](const ActionRequest& request, std::function<void(ActionOutcome)> done) {
    actions_.run(request, std::move(done));
  };
}

void Drill::summarize() {
  counts_.faults_applied = schedule_.applied();
  counts_.faults_reverted = reverts_.reverted();
  write_summary(*timeline_, scenario_, plan_, paths_, end_, workload_ ? workload_->totals() : PaymentWorkload::Stats{},
                counts_);
}

}  // namespace firedrill
