// The live page's state and series, fed typed records as the timeline would give them.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/limits.h"
#include "live/live_series.h"
#include "live/live_state.h"
#include "live/stop_token.h"
#include "live/timeline_follower.h"
#include "runner/stop_switch.h"

namespace firedrill {
namespace {

namespace json = boost::json;
constexpr int64_t kS = 1'000'000'000;

json::object run_json() {
  return json::parse(R"({"detection":{"alerts":["LedgerPrimaryDown"],"log_patterns":[{"node":"arbiter","pattern":"promoting"}]},
                         "phases":{"baseline_ms":2000,"fault_phase_ms":9000,"convergence_ms":5000},
                         "nodes":[{"name":"ledger-1"},{"name":"ledger-2"}]})")
      .as_object();
}

TEST(LiveSeries, CountsPerSecondWithPercentilesOfTheSuccessfulOnes) {
  LiveSeries s;
  for (int i = 1; i <= 100; ++i) s.add(kS / 2, true, i * 1'000'000);  // 1..100 ms
  s.add(kS / 2, false, std::nullopt);
  s.add(kS + 1, true, 5'000'000);
  json::object j = s.json();
  EXPECT_EQ(j.at("bucket_ns").as_int64(), kS);
  const json::array& b = j.at("buckets").as_array();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].at("ok").as_int64(), 100);
  EXPECT_EQ(b[0].at("errors").as_int64(), 1);
  EXPECT_DOUBLE_EQ(b[0].at("p50_ms").as_double(), 50);
  EXPECT_DOUBLE_EQ(b[0].at("p99_ms").as_double(), 99);
  EXPECT_DOUBLE_EQ(b[1].at("p99_ms").as_double(), 5);  // the open bucket, as it stands
}

TEST(LiveSeries, StaysBoundedHoweverLongTheDrill) {
  LiveSeries s;
  for (int64_t t = 0; t < 5000; ++t) s.add(t * kS, true, 1'000'000);  // 5000 s, one per second
  json::object j = s.json();
  EXPECT_LE(j.at("buckets").as_array().size(), kChartBucketsMax + 1);
  EXPECT_GE(j.at("bucket_ns").as_int64(), 8 * kS);
  int64_t total = 0;
  for (const auto& b : j.at("buckets").as_array()) total += b.at("ok").as_int64();
  EXPECT_EQ(total, 5000) << "merging keeps every payment";
}

TEST(LiveState, FollowsAFaultFromApplyToDetectionRecoveryAndRevert) {
  LiveState s(run_json());
  s.add(0, HarnessPhase{.phase = "baseline"});
  s.add(1 * kS, SupervisorStarted{{.node = "ledger-1", .pid = 10}});
  s.add(2 * kS, HarnessPhase{.phase = "faults"});
  s.add(3 * kS, FaultApply{.fault = 0, .fault_kind = "process.kill", .target = "role:ledger-primary", .node = "ledger-1"});
  s.add(3 * kS + 5, FaultApplied{{.fault = 0, .fault_kind = "process.kill", .verified = true}});
  s.add(3 * kS + 6, SupervisorExited{.node = "ledger-1", .pid = 10, .expected = true, .signal = 9});
  s.add(4 * kS, HarnessSteadyState{.steady = false});
  s.add(4 * kS + 1, AlertmanagerAlert{.status = "firing", .alertname = "SomethingElse"});
  s.add(4 * kS + 2, AlertmanagerAlert{.status = "firing", .alertname = "LedgerPrimaryDown",
                                      .labels = json::object{{"alertname", "LedgerPrimaryDown"}, {"ledger", "ledger-1"}}});
  s.add(5 * kS, LogMatch{.node = "arbiter", .pattern = "promoting", .line = "promoting ledger-2 to epoch 2"});
  s.add(6 * kS, HarnessSteadyState{.steady = true});
  s.add(6 * kS + 1, FaultReverted{{.fault = 0, .fault_kind = "process.kill", .verified = true}});

  const json::object f = s.report_json().at("faults").as_array().at(0).as_object();
  EXPECT_EQ(f.at("state"), "reverted");
  EXPECT_DOUBLE_EQ(f.at("t0_ms").as_double(), 3000.000005);
  EXPECT_DOUBLE_EQ(f.at("detection_ms").as_double(), (kS - 3) / 1e6) << "the first alert that counts for detection";
  EXPECT_EQ(f.at("detected_by"), "alert LedgerPrimaryDown");
  EXPECT_DOUBLE_EQ(f.at("recovery_ms").as_double(), (3 * kS - 5) / 1e6) << "the steady state back";
  EXPECT_DOUBLE_EQ(f.at("reverted_ms").as_double(), 6000.000001);

  json::object view = s.view(0);
  EXPECT_EQ(view.at("phase"), "faults");
  EXPECT_EQ(view.at("nodes").as_array().at(0).at("state"), "exited");
  EXPECT_EQ(view.at("nodes").as_array().at(1).at("state"), "not started");
  ASSERT_EQ(view.at("alerts").as_array().size(), 2u);
  EXPECT_EQ(view.at("alerts").as_array().at(0).at("labels"), "ledger=ledger-1");
  EXPECT_EQ(view.at("alerts").as_array().at(0).at("firing"), true);
  EXPECT_DOUBLE_EQ(s.planned_end_s(), 16.0);
  const json::array& events = view.at("events").as_array();
  EXPECT_EQ(events.front().at("text"), "phase baseline");
  // Asking after the last event gives none.
  EXPECT_TRUE(s.view(events.back().at("seq").as_int64()).at("events").as_array().empty());
}

TEST(LiveState, ASignalWhileTheApplyVerifiesIsDetectionAtT0) {
  LiveState s(run_json());
  s.add(1 * kS, FaultApply{.fault = 0, .fault_kind = "process.kill", .node = "ledger-1"});
  s.add(1 * kS + 10, AlertmanagerAlert{.status = "firing", .alertname = "LedgerPrimaryDown"});
  s.add(1 * kS + 20, FaultApplied{{.fault = 0, .fault_kind = "process.kill", .verified = true}});
  const json::object f = s.report_json().at("faults").as_array().at(0).as_object();
  EXPECT_DOUBLE_EQ(f.at("detection_ms").as_double(), 0);
  EXPECT_TRUE(f.at("recovery_ms").is_null());
}

TEST(LiveState, KeepsTheNewestEventsAndSaysHowManyWentOut) {
  LiveState s(json::object{});
  for (std::size_t i = 0; i < kLiveEventsMax + 10; ++i) s.add(static_cast<int64_t>(i), HarnessPhase{.phase = "p"});
  json::object view = s.view(0);
  EXPECT_EQ(view.at("events").as_array().size(), kLiveEventsMax);
  EXPECT_EQ(view.at("events_dropped").as_int64(), 10);
}

TEST(TimelineFollower, HandsOverWholeLinesOnlyAsTheyAreWritten) {
  const std::string path = std::filesystem::temp_directory_path() / ("follower-" + std::to_string(getpid()) + ".jsonl");
  std::filesystem::remove(path);
  std::vector<std::string> phases;
  TimelineFollower follower(path, [&](const LineDecoder& line) {
    if (auto* p = std::get_if<HarnessPhase>(&line.record())) phases.push_back(p->phase);
  });
  EXPECT_EQ(follower.poll(), 0) << "no file yet";
  std::ofstream out(path);
  out << R"({"seq":0,"t_ns":1,"source":"harness","kind":"phase","phase":"baseline","prev":"x"})" "\n"
      << R"({"seq":1,"t_ns":2,"source":"harness","kind":"phase","pha)" << std::flush;
  EXPECT_EQ(follower.poll(), 1);
  out << R"(se":"faults","prev":"y"})" "\n" << std::flush;
  EXPECT_EQ(follower.poll(), 1);
  EXPECT_EQ(phases, (std::vector<std::string>{"baseline", "faults"}));
  std::filesystem::remove(path);
}

TEST(StopToken, IsRandomAndMatchesOnlyItself) {
  StopToken a = StopToken::generate(), b = StopToken::generate();
  EXPECT_EQ(a.text().size(), 32u);
  EXPECT_NE(a.text(), b.text());
  EXPECT_TRUE(a.matches(a.text()));
  EXPECT_FALSE(a.matches(b.text()));
  EXPECT_FALSE(a.matches(""));
  EXPECT_FALSE(a.matches(a.text() + "0"));
}

TEST(StopSwitch, ARequestBeforeTheDrillConnectsIsDeliveredOnceAfterItEndsIsRefused) {
  StopSwitch s;
  std::vector<std::string> stops;
  EXPECT_EQ(s.request("early"), StopSwitch::Outcome::stopping);
  s.connect([&](const std::string& why) { stops.push_back(why); });
  EXPECT_EQ(s.request("again"), StopSwitch::Outcome::already);
  EXPECT_EQ(stops, std::vector<std::string>{"early"});
  s.disconnect();
  EXPECT_EQ(s.request("late"), StopSwitch::Outcome::drill_over);
}

}  // namespace
}  // namespace firedrill
