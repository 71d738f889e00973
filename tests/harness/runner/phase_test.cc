// Tests of the drill's phases (harness/runner/phase.h): the transitions a complete run, an abort
// and a failed start make are allowed, others are not, and each change is recorded on the
// timeline as ("harness", "phase").
#include "runner/phase.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "runner/console.h"
#include "timeline/timeline.h"

namespace firedrill {
namespace {

TEST(Phase, ACompleteRunGoesThroughEveryPhaseInOrder) {
  const Phase order[] = {Phase::not_started, Phase::lab_up,      Phase::system_up,   Phase::baseline, Phase::faults,
                         Phase::heal,        Phase::convergence, Phase::final_reads, Phase::lab_down};
  for (std::size_t i = 0; i + 1 < std::size(order); ++i) {
    EXPECT_TRUE(transition_allowed(order[i], order[i + 1])) << phase_name(order[i]) << " -> " << phase_name(order[i + 1]);
  }
}

TEST(Phase, AnAbortHealsFromEveryPhaseInWhichTheSystemRuns) {
  for (Phase from : {Phase::system_up, Phase::baseline, Phase::faults, Phase::heal, Phase::convergence,
                     Phase::final_reads}) {
    EXPECT_TRUE(transition_allowed(from, Phase::heal)) << phase_name(from);
  }
  EXPECT_TRUE(transition_allowed(Phase::heal, Phase::final_reads));
  EXPECT_TRUE(transition_allowed(Phase::heal, Phase::lab_down));
}

TEST(Phase, AFailedStartAndAnUnsteadyBaselineEndEarly) {
  EXPECT_TRUE(transition_allowed(Phase::system_up, Phase::lab_down));
  EXPECT_TRUE(transition_allowed(Phase::baseline, Phase::final_reads));
}

TEST(Phase, NoPhaseIsSkippedOrRevisited) {
  EXPECT_FALSE(transition_allowed(Phase::not_started, Phase::faults));
  EXPECT_FALSE(transition_allowed(Phase::lab_up, Phase::baseline));
  EXPECT_FALSE(transition_allowed(Phase::faults, Phase::convergence));
  EXPECT_FALSE(transition_allowed(Phase::faults, Phase::baseline));
  EXPECT_FALSE(transition_allowed(Phase::convergence, Phase::faults));
  EXPECT_FALSE(transition_allowed(Phase::lab_up, Phase::heal));
  for (Phase to : {Phase::not_started, Phase::lab_up, Phase::heal, Phase::final_reads, Phase::lab_down}) {
    EXPECT_FALSE(transition_allowed(Phase::lab_down, to)) << phase_name(to);
  }
}

TEST(Phase, TheStopGuardsWatchOnlyWhileFaultsMayAct) {
  EXPECT_TRUE(faults_may_act(Phase::faults));
  EXPECT_TRUE(faults_may_act(Phase::heal));
  EXPECT_TRUE(faults_may_act(Phase::convergence));
  EXPECT_FALSE(faults_may_act(Phase::baseline));
  EXPECT_FALSE(faults_may_act(Phase::final_reads));
}

TEST(Phase, EachChangeIsRecordedWithItsName) {
  const auto dir = std::filesystem::temp_directory_path() / ("phase_test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto timeline = Timeline::create((dir / "timeline.jsonl").string());
  ASSERT_TRUE(timeline) << timeline.status().message();
  Console console(**timeline, false);
  Phases phases(**timeline, console);
  phases.enter(Phase::lab_up);
  phases.enter(Phase::system_up);
  EXPECT_EQ(phases.current(), Phase::system_up);
  std::ifstream in(dir / "timeline.jsonl");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find(R"("source":"harness","kind":"phase","phase":"lab_up")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("phase":"system_up")"), std::string::npos) << text;
  std::filesystem::remove_all(dir);
}

TEST(PhaseDeathTest, AChangeOutsideTheTableStopsTheProcess) {
  const auto dir = std::filesystem::temp_directory_path() / ("phase_death-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto timeline = Timeline::create((dir / "timeline.jsonl").string());
  ASSERT_TRUE(timeline);
  Console console(**timeline, false);
  Phases phases(**timeline, console);
  EXPECT_DEATH(phases.enter(Phase::faults), "not_started -> faults is not a transition");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace firedrill
