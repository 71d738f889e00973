// What the live page shows of a drill, kept up to date from the timeline's records as they are
// written (DESIGN.md §1 stage ④): the phase and the elapsed time, the chart's series, each fault
// with its T0, detection, recovery and revert as they become known, the alerts firing and
// resolved, each node up or down, and the events in order.
//
// Detection and recovery here are the live view, marked provisional on the page: detection is
// the first alert or log line that counts for detection (run.json's "detection", read by
// scoring's read_run_spec()) after the fault's apply started; recovery the runner's steady state back after it
// was lost. The verdict's numbers are scoring's, which replace these when the drill ends.
//
// Bounded: at most kLiveEventsMax events (the oldest go; the page says how many) and
// kLiveAlertsMax alerts; the series is bounded by LiveSeries.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "live/live_series.h"
#include "scoring/run_spec.h"
#include "timeline/record.h"

namespace firedrill {

inline constexpr std::size_t kLiveEventsMax = 2000;
inline constexpr std::size_t kLiveAlertsMax = 500;

class LiveState {
 public:
  // `run` is run.json (the planned phases, the nodes, what counts for detection); it may be empty
  // when the file is not there yet.
  explicit LiveState(const boost::json::object& run);

  // One record of the timeline, in order.
  void add(int64_t t_ns, const TimelineRecord& record);

  // The drill's time: the last record's.
  int64_t now_ns() const { return now_ns_; }
  const std::string& phase() const { return phase_; }
  bool drill_ended() const { return ended_; }

  // What the chart draws (reports/timeline_chart.h): report.json's "faults" as known so far, the
  // series and the phases; and where the chart's axis ends (the planned end of the drill).
  boost::json::object report_json() const;
  boost::json::object chart_json() const { return series_.json(); }
  boost::json::object events_json() const;
  double planned_end_s() const;

  // The page's view (live/live_server.h documents its fields); the events after `event_after`.
  boost::json::object view(int64_t event_after) const;

 private:
  struct Fault {
    int64_t index = 0;
    std::string kind, target, node, state = "applying";
    std::optional<int64_t> start_ns, t0_ns, reverted_ns, detect_ns, recover_ns, lost_ns;
    std::string detected_by;
  };
  struct Node {
    std::string state = "not started";  // running, exited, failed to start
    std::optional<bool> healthy;        // the last probe
  };
  struct Alert {
    std::string name, labels;
    bool firing = false;
    int64_t since_ns = 0;
  };

  void event(int64_t t_ns, const std::string& cls, const std::string& text);
  Fault& fault(int64_t index);
  void on_alert(int64_t t_ns, const std::string& status, const std::string& name, const boost::json::object& labels);
  void on_detection_signal(int64_t t_ns, const std::string& by);
  void on_steady(int64_t t_ns, bool steady);
  template <class R>
  void on(int64_t t_ns, const R& record);  // the harness's and the faults' records
  template <class R>
  void on_system(int64_t t_ns, const R& record);  // the nodes', the alerts' and the workload's

  // From run.json.
  RunSpec spec_;  // what counts for detection, the nodes
  int64_t planned_ms_ = 0;  // baseline + faults + convergence

  int64_t now_ns_ = 0;
  std::string phase_ = "starting";
  std::optional<int64_t> baseline_ns_;
  boost::json::array phases_;  // [{t_ns, phase}]
  std::map<int64_t, Fault> faults_;
  std::map<std::string, Node> nodes_;
  std::map<std::string, Alert> alerts_;  // by name and labels
  std::optional<bool> steady_;
  std::deque<boost::json::object> events_;
  int64_t events_total_ = 0;
  bool ended_ = false;
  std::string end_text_;
  LiveSeries series_;
};

}  // namespace firedrill
