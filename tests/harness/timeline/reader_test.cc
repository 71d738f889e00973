// read_timeline(): the file Timeline writes comes back record by record, in order; lines are
// split as std::getline splits them; unreadable lines are reported by number.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "timeline/reader.h"
#include "timeline/timeline.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

class ReadTimeline : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("timeline_reader_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Every line read: its number and kind ("!" for an unreadable one).
  std::vector<std::pair<int64_t, std::string>> read_all(const std::string& file) {
    std::vector<std::pair<int64_t, std::string>> out;
    Status s = read_timeline(
        file, [&](int64_t n, const LineDecoder& line) { out.emplace_back(n, std::string(line.envelope().kind)); },
        [&](int64_t n) { out.emplace_back(n, "!"); });
    EXPECT_TRUE(s) << s.message();
    return out;
  }

  fs::path dir_;
};

TEST_F(ReadTimeline, WhatTheWriterWroteComesBackInOrder) {
  auto timeline = Timeline::create(path("timeline.jsonl"), HarnessStart{.scenario = "kill", .seed = 7});
  ASSERT_TRUE(timeline) << timeline.status().message();
  (*timeline)->write(HarnessPhase{"baseline"});
  std::string key = "k-1";
  (*timeline)->write(WorkloadInvoke{.op = 1, .key = key, .from = "acct-1", .to = "acct-2", .amount = 5, .attempt = 1});
  (*timeline)->write(workload_completion(WorkloadOutcome::ok, {.op = 1, .key = key, .attempt = 1, .status = 201,
                                                               .latency_ns = 10, .error = std::nullopt}));
  (*timeline)->write(fault_apply_outcome(false, {.fault = 0, .fault_kind = "process.kill", .error = "gone"}));
  ASSERT_TRUE((*timeline)->status());

  std::vector<TimelineRecord> records;
  Status s = read_timeline(
      path("timeline.jsonl"),
      [&](int64_t, const LineDecoder& line) {
        EXPECT_EQ(line.envelope().seq, static_cast<int64_t>(records.size()));
        // The chain starts at 64 zeros; verifying the rest is evidence/'s work.
        if (records.empty()) {
          EXPECT_EQ(line.envelope().prev, std::string(64, '0'));
        }
        records.push_back(line.record());
      },
      [&](int64_t n) { ADD_FAILURE() << "line " << n << " unreadable"; });
  ASSERT_TRUE(s) << s.message();
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(std::get<HarnessStart>(records[0]).scenario, "kill");
  EXPECT_EQ(std::get<HarnessStart>(records[0]).seed, 7u);
  EXPECT_EQ(std::get<HarnessStart>(records[0]).utc.size(), 27u);
  EXPECT_EQ(std::get<HarnessPhase>(records[1]).phase, "baseline");
  EXPECT_EQ(std::get<WorkloadInvoke>(records[2]).amount, 5);
  EXPECT_EQ(std::get<WorkloadOk>(records[3]).latency_ns, 10);
  EXPECT_EQ(std::get<FaultApplyFailed>(records[4]).error, "gone");
}

TEST_F(ReadTimeline, LinesAreSplitAsGetlineSplitsThem) {
  const std::string good = R"({"source":"harness","kind":"phase","phase":"x"})";
  std::ofstream(path("t.jsonl"), std::ios::binary) << good << "\n\n" << good << "\n{\"torn";
  using Lines = std::vector<std::pair<int64_t, std::string>>;
  EXPECT_EQ(read_all(path("t.jsonl")), (Lines{{1, "phase"}, {2, "!"}, {3, "phase"}, {4, "!"}}));
  std::ofstream(path("u.jsonl"), std::ios::binary) << good << "\n" << good;
  EXPECT_EQ(read_all(path("u.jsonl")), (Lines{{1, "phase"}, {2, "phase"}}));
  std::ofstream(path("v.jsonl"), std::ios::binary) << "";
  EXPECT_EQ(read_all(path("v.jsonl")), Lines{});
}

TEST_F(ReadTimeline, LinesLongerThanABlock) {
  const std::string long_text(9 << 20, 'x');
  std::ofstream(path("long.jsonl"), std::ios::binary)
      << R"({"source":"logs","kind":"log_match","node":"n","pattern":"x","line":")" << long_text << "\"}\n"
      << R"({"source":"harness","kind":"abort","reason":"r"})" << "\n";
  std::vector<std::size_t> sizes;
  Status s = read_timeline(
      path("long.jsonl"),
      [&](int64_t, const LineDecoder& line) {
        if (auto* m = std::get_if<LogMatch>(&line.record())) sizes.push_back(m->line.size());
        if (std::holds_alternative<HarnessAbort>(line.record())) sizes.push_back(0);
      },
      [&](int64_t n) { ADD_FAILURE() << n; });
  ASSERT_TRUE(s);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{long_text.size(), 0}));
}

TEST_F(ReadTimeline, KeptRecordsOutliveTheirLines) {
  std::ofstream(path("k.jsonl"), std::ios::binary)
      << R"({"seq":0,"t_ns":5,"source":"harness","kind":"phase","phase":"faults","prev":"p"})" << "\n"
      << R"({"seq":1,"t_ns":6,"source":"harness","kind":"later","what":"x","prev":"q"})" << "\n";
  std::vector<KeptRecord> kept;
  ASSERT_TRUE(read_timeline(
      path("k.jsonl"), [&](int64_t, const LineDecoder& line) { kept.push_back(keep(line)); }, [](int64_t) {}));
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].at(), 5);
  EXPECT_EQ(std::get<HarnessPhase>(kept[0].record).phase, "faults");
  EXPECT_EQ(kept[0].raw.at("phase").as_string(), "faults");
  const auto& later = std::get<UnknownRecord>(kept[1].record);
  EXPECT_EQ(later.kind, "later");
  EXPECT_EQ(later.fields.at("what").as_string(), "x");
  int phases = 0;
  for (const KeptRecord& k : kept) {
    std::visit(overloaded{[&](const HarnessPhase&) { ++phases; }, [](const auto&) {}}, k.record);
  }
  EXPECT_EQ(phases, 1);
}

TEST_F(ReadTimeline, AMissingFileIsAnError) {
  Status s = read_timeline(path("none.jsonl"), [](int64_t, const LineDecoder&) {}, [](int64_t) {});
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("none.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace firedrill
