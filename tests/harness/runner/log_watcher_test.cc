// Tests of log-pattern detection (harness/runner/log_watcher.h) on real files and a real
// timeline: matches are recorded once, lines split across polls are joined, and a hostile line
// (hundreds of KB, matched by ".*") neither crashes the controller nor goes unmatched.
#include "runner/log_watcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "timeline/timeline.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

class LogWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "log_watcher_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto timeline = Timeline::create(dir_ + "/timeline.jsonl");
    ASSERT_TRUE(timeline) << timeline.status().message();
    timeline_ = std::move(*timeline);
  }
  void TearDown() override { fs::remove_all(dir_); }

  LogWatcher watcher(const std::string& pattern) {
    return LogWatcher({LogPattern{"node-1", pattern}},
                      [this](const std::string& node) { return std::vector<std::string>{dir_ + "/" + node + ".out"}; });
  }
  void append(const std::string& text) { std::ofstream(dir_ + "/node-1.out", std::ios::app) << text; }

  std::string dir_;
  std::unique_ptr<Timeline> timeline_;
};

TEST_F(LogWatcherTest, EachMatchingLineIsRecordedOnceAndSplitLinesAreJoined) {
  LogWatcher w = watcher("promoting .* to epoch");
  append("starting\narbiter: promoting ledger-2 ");
  EXPECT_EQ(w.poll(*timeline_), 0) << "half a line is not matched yet";
  append("to epoch 2\nother\n");
  EXPECT_EQ(w.poll(*timeline_), 1);
  EXPECT_EQ(w.poll(*timeline_), 0) << "nothing new";
}

TEST_F(LogWatcherTest, AHugeLineNeitherCrashesNorEscapesThePattern) {
  LogWatcher w = watcher("promoting .* to epoch");
  append("promoting " + std::string(300'000, 'x'));
  EXPECT_EQ(w.poll(*timeline_), 0);
  append(" to epoch 2\n");  // past the matched prefix: the line counts as its first bytes
  EXPECT_EQ(w.poll(*timeline_), 0);
  append("promoting ledger-3 " + std::string(2'000, 'y') + " to epoch 3" + std::string(500'000, 'z') + "\n");
  EXPECT_EQ(w.poll(*timeline_), 1) << "a match within the first bytes of a huge line is still found";
}

}  // namespace
}  // namespace firedrill
