// One drill, as a sequence of stages (see drill_runner.h for the sequence and its guarantees).
// Drill holds the stages and moves between them; each stage is its own file: the phases
// (phase.h), the console (console.h), the lab (lab_wiring.h), node launch (node_launch.h), the
// health probes (probes.h), the fault schedule with target resolution and the undo stack
// (fault_schedule.h, target_resolution.h, revert_stack.h, fault_wiring.h), node actions
// (node_actions.h), the stop guards (stop_guards.h), the once-a-second progress (progress.h),
// the final reads (final_reads.h) and the summary (summary.h).
//
// The stages of a drill on hosts over SSH are in drill_hosts.cc.
//
// Single-threaded on its own io_context; every handler runs inside run().
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "lab/lab_place.h"
#include "plan/plan.h"
#include "remote/host_place.h"
#include "runner/alert_receiver.h"
#include "runner/console.h"
#include "runner/drill_runner.h"
#include "runner/fault_schedule.h"
#include "runner/fault_wiring.h"
#include "runner/final_reads.h"
#include "runner/lab_wiring.h"
#include "runner/log_watcher.h"
#include "runner/monitoring_wiring.h"
#include "runner/node_actions.h"
#include "runner/node_launch.h"
#include "runner/phase.h"
#include "runner/probes.h"
#include "runner/progress.h"
#include "runner/revert_stack.h"
#include "runner/stop_guards.h"
#include "runner/summary.h"
#include "runner/target_resolution.h"
#include "scenario/scenario.h"
#include "supervision/supervisor.h"
#include "timeline/timeline.h"
#include "workload/payment_workload.h"

namespace firedrill {

class Drill {
 public:
  // `timeline` is the drill's, already holding its first record.
  Drill(const Scenario& scenario, const Plan& plan, const RunOptions& options, std::unique_ptr<Timeline> timeline);
  ~Drill();  // disconnects the StopSwitch, however run() ended

  // Runs every stage to the end; returns how the drill ended.
  RunEnd run();

 private:
  // The stages, in the order of a complete run.
  Status preflight();
  Status hosts_preflight();
  Status lab_up();
  Status hosts_up();
  Status system_up();
  void wait_healthy();
  void start_traffic();
  void wait_baseline(std::chrono::steady_clock::time_point deadline);
  void start_faults();
  void heal_then(std::function<void()> next);
  void converge();
  void stop_traffic();
  void final_reads();
  void finish();
  void teardown();
  RunEnd end_before_system();

  // Around the stages.
  void watch_signals();
  void stop_watching();  // no stop from outside after this: the drill is ending
  void abort(const std::string& why);
  void fail(const std::string& where, const Status& status);
  void inconclusive(const std::string& what, const std::string& said, std::optional<int64_t> within_ms = std::nullopt);
  void tick();
  void check_stop_guards();
  void on_process_event(const ProcessEvent& e);
  void on_alert(const std::string& status, const std::string& name);
  void on_host_lost(const std::string& host, const std::string& why);
  // Whether the node's process runs now (the lab's supervisor, or the hosts' last poll).
  bool node_running(const std::string& node) const;
  // Runs the io_context until `done` is set: a step of the hosts' set-up before the drill's loop.
  void run_until(const bool& done);
  Status start_on_host(const ProcessSpec& spec);
  bool ending() const { return phases_.current() == Phase::lab_down; }
  // Lends the faults the lab's parts and target resolution (fault_wiring.h), once the lab is up.
  void connect_faults();
  FailureSink failure_sink();
  void summarize();

  const Scenario& scenario_;
  const Plan& plan_;
  RunOptions options_;
  RunPaths paths_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer phase_timer_;
  boost::asio::steady_timer tick_timer_;
  std::unique_ptr<Timeline> timeline_;
  Console console_;
  Phases phases_;
  const bool on_hosts_;  // every node lives on a host over SSH: no lab, the HostPlace
  std::unique_ptr<Supervisor> supervisor_;  // the lab's nodes (unused on hosts)
  std::unique_ptr<LabPlace> lab_place_;     // one of these two is the place
  std::unique_ptr<HostPlace> host_place_;
  std::chrono::steady_clock::time_point fault_phase_start_{};
  std::string clock_shim_;  // canonical path; "" when no node runs with the shim
  Lab lab_;
  LaunchedNodes launched_;
  FaultWiring faults_;
  TargetResolver resolver_;
  RevertStack reverts_;
  FaultSchedule schedule_;
  NodeActions actions_;
  HealthProbes probes_;
  FinalReads final_reads_;
  StopGuards guards_;
  Progress progress_;
  DrillMonitoring monitoring_;
  std::unique_ptr<AlertReceiver> receiver_;
  std::unique_ptr<PaymentWorkload> workload_;
  std::unique_ptr<LogWatcher> log_watcher_;
  std::chrono::steady_clock::time_point next_progress_{};
  RunCounts counts_;
  RunEnd end_ = RunEnd::completed;
  bool aborting_ = false;         // the abort path was taken (signal or stop condition)
  bool traffic_stopped_ = false;  // the workload was asked to stop (no new payments)
};

}  // namespace firedrill
