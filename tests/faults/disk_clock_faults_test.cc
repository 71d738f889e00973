// Tests of disk.full (faults/disk) on real tmpfs volumes and clock.skew (faults/clock) with the
// real libfaketime, plus their injection latency (apply → verified), printed for the record.
//
// This binary has its own main(): as root it first moves the process into a private mount
// namespace, so that no volume mounted here can appear on the host, whatever happens to the test.
// Run as `disk_clock_faults_test --rate-witness`, it is instead the long-running witness of the
// clock-rate tests (started under libfaketime; see rate_witness_main).
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "clock/clock_skew_fault.h"
#include "disk/disk_full_fault.h"
#include "lab/volumes.h"
#include "runner/drill_runner.h"
#include "supervision/supervisor.h"
#include "testing/prerequisite.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int64_t mib = 1024 * 1024;
constexpr int64_t volume_bytes = 8 * mib;
constexpr int64_t latency_volume_bytes = 64 * mib;
constexpr int latency_rounds = 50;
// How far the test's own `date` may be from the requested offset.
constexpr int64_t date_tolerance_ms = 1'000;

// Whether main() moved the process into a private mount namespace.
Status isolation = Status::error("not attempted");

Status isolate_mounts() {
  if (geteuid() != 0) return Status::error("not root");
  if (unshare(CLONE_NEWNS) != 0) return Status::error("unshare(CLONE_NEWNS) failed");
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return Status::error("making mounts private failed");
  }
  return Status::ok();
}

// A fault step run to completion: its outcome and how long apply/revert took until verified.
struct Step {
  Status status;
  boost::json::object evidence;
  std::chrono::microseconds took{0};
};

Step run_step(boost::asio::io_context& io, const std::function<void(FaultDone)>& step) {
  std::optional<Step> result;
  const auto started = std::chrono::steady_clock::now();
  step([&](Status status, boost::json::object evidence) {
    result = Step{std::move(status), std::move(evidence),
                  std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started)};
  });
  io.restart();
  while (!result && io.run_one() > 0) {
  }
  if (!result) return Step{Status::error("the step never finished"), {}, {}};
  return *result;
}

std::string make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "firedrill-dc-XXXXXX").string();
  return mkdtemp(pattern.data()) ? pattern : "";
}

// "p50 … p99 … max …" of latencies in µs, in ms.
std::string percentiles(std::vector<std::chrono::microseconds> samples) {
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    const auto index = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1) + 0.5);
    return static_cast<double>(samples[index].count()) / 1000.0;
  };
  char text[128];
  std::snprintf(text, sizeof text, "n=%zu p50 %.2f ms, p99 %.2f ms, max %.2f ms", samples.size(), at(0.5),
                at(0.99), at(1.0));
  return text;
}

// ---------------------------------------------------------------------------------------------
// disk.full

// Writes one page to a new file `name` in `dir` and removes it: 0 when accepted, else the errno.
int write_page_errno(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name;
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return errno;
  const std::vector<char> page(4096, 'w');
  const ssize_t written = write(fd, page.data(), page.size());
  const int error = written < 0 ? errno : 0;
  close(fd);
  unlink(path.c_str());
  return error;
}

// Fills the volume with the file `name` until ENOSPC; the bytes written.
int64_t fill_with(const std::string& dir, const std::string& name) {
  int fd = open((dir + "/" + name).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return 0;
  const std::vector<char> block(64 * 1024, 'f');
  int64_t total = 0;
  for (ssize_t written; (written = write(fd, block.data(), block.size())) > 0;) total += written;
  close(fd);
  return total;
}

// The volume's use in percent (statvfs: blocks - bfree over blocks).
double use_percent(const std::string& dir) {
  struct statvfs s {};
  if (statvfs(dir.c_str(), &s) != 0) return -1;
  return 100.0 * static_cast<double>(s.f_blocks - s.f_bfree) / static_cast<double>(s.f_blocks);
}

FaultSpec disk_full_spec(const std::string& node, std::optional<int64_t> percent) {
  FaultSpec spec;
  spec.kind = "disk.full";
  spec.target = "node:" + node;
  if (percent) spec.parameters["percent"] = *percent;
  return spec;
}

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FIREDRILL_REQUIRE(isolation.is_ok(), "root, for tmpfs mounts (" + isolation.message() + ")");
    dir_ = make_temp_dir();
    ASSERT_FALSE(dir_.empty());
    auto volumes = Volumes::create(dir_, {{"ledger-1", volume_bytes}, {"ledger-2", volume_bytes}});
    ASSERT_TRUE(volumes.is_ok()) << volumes.status().message();
    volumes_ = std::move(*volumes);
    context_.volumes = volumes_.get();
  }
  void TearDown() override {
    volumes_.reset();  // unmounts (and the namespace dies with the test anyway)
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::unique_ptr<Fault> make(std::optional<int64_t> percent, const std::string& node = "ledger-1") {
    auto fault = make_fault(disk_full_spec(node, percent), node, context_);
    EXPECT_TRUE(fault.is_ok()) << fault.status().message();
    return fault ? std::move(*fault) : nullptr;
  }
  Step apply(Fault& fault) { return run_step(io_, [&](FaultDone done) { fault.apply(std::move(done)); }); }
  Step revert(Fault& fault) { return run_step(io_, [&](FaultDone done) { fault.revert(std::move(done)); }); }
  int64_t bytes_free(const std::string& node) { return volumes_->bytes_free(node).value(); }

  boost::asio::io_context io_;
  Supervisor supervisor_{io_, [](const ProcessEvent&) {}};
  FaultContext context_{io_, supervisor_, 5s, nullptr, nullptr, {}, {}, {}, {}, {}};
  std::string dir_;
  std::unique_ptr<Volumes> volumes_;
};

TEST_F(DiskFullTest, FillsTheVolumeToEnospcAndRevertGivesTheSpaceBack) {
  const std::string volume = volumes_->path("ledger-1");
  const int64_t free_before = bytes_free("ledger-1");
  auto fault = make(std::nullopt);  // percent defaults to 100
  ASSERT_TRUE(fault);
  EXPECT_EQ(fault->kind(), "disk.full");

  Step applied = apply(*fault);
  ASSERT_TRUE(applied.status.is_ok()) << applied.status.message();
  std::printf("disk.full apply evidence: %s\n", boost::json::serialize(applied.evidence).c_str());
  EXPECT_EQ(applied.evidence.at("probe"), "ENOSPC");
  EXPECT_EQ(applied.evidence.at("bytes_free_before").as_int64(), free_before);
  EXPECT_EQ(applied.evidence.at("bytes_free_after").as_int64(), 0);
  EXPECT_GT(applied.evidence.at("ballast_bytes").as_int64(), free_before - 64 * 1024);
  EXPECT_EQ(bytes_free("ledger-1"), 0);
  EXPECT_EQ(write_page_errno(volume, "data"), ENOSPC);
  EXPECT_EQ(write_page_errno(volumes_->path("ledger-2"), "data"), 0) << "the other node's volume";
  EXPECT_FALSE(fs::exists(volume + "/" + disk_probe_name));

  // Unlinking needs no space: the revert works on the completely full tmpfs.
  Step reverted = revert(*fault);
  ASSERT_TRUE(reverted.status.is_ok()) << reverted.status.message();
  std::printf("disk.full revert evidence: %s\n", boost::json::serialize(reverted.evidence).c_str());
  EXPECT_FALSE(fs::exists(volume + "/" + disk_ballast_name));
  EXPECT_EQ(reverted.evidence.at("probe"), "written");
  EXPECT_EQ(write_page_errno(volume, "data"), 0);
  EXPECT_EQ(bytes_free("ledger-1"), free_before);
}

TEST_F(DiskFullTest, FillsToAPercentage) {
  const std::string volume = volumes_->path("ledger-1");
  auto fault = make(60);
  ASSERT_TRUE(fault);
  Step applied = apply(*fault);
  ASSERT_TRUE(applied.status.is_ok()) << applied.status.message();
  const double use = use_percent(volume);
  EXPECT_GE(use, 59.0);
  EXPECT_LE(use, 61.0);
  EXPECT_EQ(write_page_errno(volume, "data"), 0) << "not full";

  // A second apply at the same level adds nothing.
  const int64_t ballast = applied.evidence.at("ballast_bytes").as_int64();
  Step again = apply(*fault);
  ASSERT_TRUE(again.status.is_ok()) << again.status.message();
  EXPECT_EQ(again.evidence.at("ballast_bytes").as_int64(), ballast);

  Step reverted = revert(*fault);
  ASSERT_TRUE(reverted.status.is_ok()) << reverted.status.message();
  EXPECT_LT(use_percent(volume), 1.0);
  Step twice = revert(*fault);
  ASSERT_TRUE(twice.status.is_ok()) << twice.status.message();
  EXPECT_EQ(twice.evidence.at("ballast"), "absent");
}

TEST_F(DiskFullTest, RevertSucceedsAfterTheVolumeWasEmptied) {
  auto fault = make(100);
  ASSERT_TRUE(fault);
  ASSERT_TRUE(apply(*fault).status.is_ok());
  ASSERT_TRUE(volumes_->empty("ledger-1").is_ok());  // storage.loss got there first
  Step reverted = revert(*fault);
  ASSERT_TRUE(reverted.status.is_ok()) << reverted.status.message();
  EXPECT_EQ(reverted.evidence.at("ballast"), "absent");
}

TEST_F(DiskFullTest, AppliesAndRevertsOnAnAlreadyFullVolume) {
  const std::string volume = volumes_->path("ledger-1");
  ASSERT_GT(fill_with(volume, "filler"), 0);
  ASSERT_EQ(bytes_free("ledger-1"), 0);
  auto fault = make(100);
  ASSERT_TRUE(fault);
  Step applied = apply(*fault);
  ASSERT_TRUE(applied.status.is_ok()) << applied.status.message();
  EXPECT_EQ(applied.evidence.at("probe"), "ENOSPC");
  // The ballast took nothing, so revert has nothing to give back and the volume stays full.
  Step reverted = revert(*fault);
  ASSERT_TRUE(reverted.status.is_ok()) << reverted.status.message();
  EXPECT_FALSE(fs::exists(volume + "/" + disk_ballast_name));
  EXPECT_TRUE(fs::exists(volume + "/filler"));
}

TEST_F(DiskFullTest, RevertWithoutVolumesSucceedsAndApplyFails) {
  context_.volumes = nullptr;
  auto fault = make(100);
  ASSERT_TRUE(fault);
  Step applied = apply(*fault);
  EXPECT_FALSE(applied.status.is_ok());
  EXPECT_EQ(applied.status.message(), "disk.full: node ledger-1: the lab has no volumes");
  EXPECT_TRUE(revert(*fault).status.is_ok());
}

TEST_F(DiskFullTest, InjectionLatencyOn64MiB) {
  auto volumes = Volumes::create(dir_ + "/big", {{"ledger-3", latency_volume_bytes}});
  ASSERT_TRUE(volumes.is_ok()) << volumes.status().message();
  context_.volumes = volumes->get();
  auto fault = make(100, "ledger-3");
  ASSERT_TRUE(fault);
  std::vector<std::chrono::microseconds> applies, reverts;
  for (int round = 0; round < latency_rounds; ++round) {
    Step applied = apply(*fault);
    ASSERT_TRUE(applied.status.is_ok()) << applied.status.message();
    applies.push_back(applied.took);
    Step reverted = revert(*fault);
    ASSERT_TRUE(reverted.status.is_ok()) << reverted.status.message();
    reverts.push_back(reverted.took);
  }
  std::printf("disk.full 100%% on 64 MiB tmpfs, apply → verified: %s (target p99 <= 50 ms)\n",
              percentiles(applies).c_str());
  std::printf("disk.full 100%% on 64 MiB tmpfs, revert → verified: %s\n", percentiles(reverts).c_str());
  // Speed is a benchmark's figure (injection_latency_bench), never a pass/fail in a test.
  context_.volumes = volumes_.get();
}

// ---------------------------------------------------------------------------------------------
// clock.skew

TEST(FaketimeControlLine, SecondsWithMillisecondsAndTheRate) {
  EXPECT_EQ(faketime_control_line(600'000ms, std::nullopt), "+600 x1");
  EXPECT_EQ(faketime_control_line(-90'000ms, std::nullopt), "-90 x1");
  EXPECT_EQ(faketime_control_line(250ms, 1.5), "+0.25 x1.5");
  EXPECT_EQ(faketime_control_line(-1ms, std::nullopt), "-0.001 x1");
  EXPECT_EQ(faketime_control_line(0ms, 2.0), "+0 x2");
  EXPECT_EQ(faketime_control_line(-1'234'567ms, 0.5), "-1234.567 x0.5");
}

// The witness of the rate tests: under libfaketime, measures how fast its wall clock runs against
// its (real) monotonic clock over two busy-waited windows [0, 300 ms] and [900, 1200 ms] of
// monotonic time, and prints the two speed ratios. Busy-waits: libfaketime scales sleeps too.
int rate_witness_main() {
  auto now_ns = [](clockid_t clock) {
    timespec t{};
    clock_gettime(clock, &t);
    return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
  };
  const int64_t start = now_ns(CLOCK_MONOTONIC);
  auto ratio_over = [&](int64_t from_ms, int64_t to_ms) {
    while (now_ns(CLOCK_MONOTONIC) - start < from_ms * 1'000'000) {
    }
    const int64_t real0 = now_ns(CLOCK_REALTIME), mono0 = now_ns(CLOCK_MONOTONIC);
    while (now_ns(CLOCK_MONOTONIC) - start < to_ms * 1'000'000) {
    }
    const int64_t real1 = now_ns(CLOCK_REALTIME), mono1 = now_ns(CLOCK_MONOTONIC);
    return static_cast<double>(real1 - real0) / static_cast<double>(mono1 - mono0);
  };
  const double first = ratio_over(0, 300);
  const double second = ratio_over(900, 1200);
  std::printf("%.3f %.3f\n", first, second);
  return 0;
}

FaultSpec clock_skew_spec(Milliseconds offset, std::optional<double> rate) {
  FaultSpec spec;
  spec.kind = "clock.skew";
  spec.target = "node:ledger-1";
  spec.parameters["offset"] = offset;
  if (rate) spec.parameters["rate"] = *rate;
  return spec;
}

int64_t realtime_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class ClockSkewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FIREDRILL_REQUIRE(fs::exists(find_libfaketime()), "libfaketime at " + find_libfaketime());
    dir_ = make_temp_dir();
    ASSERT_FALSE(dir_.empty());
    fs::create_directories(dir_ + "/clock");
    clock_file_ = dir_ + "/clock/ledger-1.faketime";
    std::ofstream(clock_file_) << "+0\n";
    environment_ = {{"PATH", "/usr/bin:/bin"},
                    {"LD_PRELOAD", find_libfaketime()},
                    {"FAKETIME_TIMESTAMP_FILE", clock_file_},
                    {"FAKETIME_NO_CACHE", "1"},
                    {"FAKETIME_DONT_FAKE_MONOTONIC", "1"}};
    // In a sanitizer build the witness (this binary) needs the sanitizer's options too, as the
    // runner gives its nodes (ASan refuses libfaketime ahead of it without them).
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
      if (const char* value = std::getenv(name)) environment_[name] = value;
    }
    context_.clock_file = [this](const std::string&) { return clock_file_; };
    context_.node_environment = [this](const std::string&) { return environment_; };
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::unique_ptr<Fault> make(Milliseconds offset, std::optional<double> rate = std::nullopt) {
    auto fault = make_fault(clock_skew_spec(offset, rate), "ledger-1", context_);
    EXPECT_TRUE(fault.is_ok()) << fault.status().message();
    return fault ? std::move(*fault) : nullptr;
  }
  Step apply(Fault& fault) { return run_step(io_, [&](FaultDone done) { fault.apply(std::move(done)); }); }
  Step revert(Fault& fault) { return run_step(io_, [&](FaultDone done) { fault.revert(std::move(done)); }); }

  // `command` run by the shell with the node's environment (env -i), its stdout.
  std::string run_with_node_environment(const std::string& command) {
    std::string line = "exec env -i";
    for (const auto& [key, value] : environment_) line += " " + key + "=" + value;
    line += " " + command;
    std::string output;
    if (FILE* pipe = popen(line.c_str(), "r")) {
      char buffer[256];
      while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
      pclose(pipe);
    }
    return output;
  }

  // The offset `date` reads under the node's environment, in ms.
  int64_t date_offset_ms() {
    const int64_t before = realtime_ms();
    const std::string output = run_with_node_environment("/bin/date +%s%3N");
    const int64_t after = realtime_ms();
    return std::stoll(output) - (before + after) / 2;
  }

  std::string file_content() {
    std::ifstream in(clock_file_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  boost::asio::io_context io_;
  Supervisor supervisor_{io_, [](const ProcessEvent&) {}};
  FaultContext context_{io_, supervisor_, 5s, nullptr, nullptr, {}, {}, {}, {}, {}};
  std::string dir_;
  std::string clock_file_;
  std::map<std::string, std::string> environment_;
};

TEST_F(ClockSkewTest, TenMinutesAheadThenBack) {
  auto fault = make(10min);
  ASSERT_TRUE(fault);
  EXPECT_EQ(fault->kind(), "clock.skew");
  Step applied = apply(*fault);
  ASSERT_TRUE(applied.status.is_ok()) << applied.status.message();
  std::printf("clock.skew apply evidence: %s\n", boost::json::serialize(applied.evidence).c_str());
  EXPECT_EQ(applied.evidence.at("requested_offset_ms").as_int64(), 600'000);
  EXPECT_NEAR(applied.evidence.at("observed_offset_ms").as_int64(), 600'000, 500);
  EXPECT_EQ(file_content(), "+600 x1\n");
  EXPECT_NEAR(date_offset_ms(), 600'000, date_tolerance_ms);
  EXPECT_FALSE(fs::exists(clock_file_ + ".firedrill-tmp"));

  Step reverted = revert(*fault);
  ASSERT_TRUE(reverted.status.is_ok()) << reverted.status.message();
  EXPECT_NEAR(reverted.evidence.at("observed_offset_ms").as_int64(), 0, 500);
  EXPECT_EQ(file_content(), "+0 x1\n");
  EXPECT_NEAR(date_offset_ms(), 0, date_tolerance_ms);
  EXPECT_TRUE(revert(*fault).status.is_ok()) << "idempotent";
}

TEST_F(ClockSkewTest, NinetySecondsBehind) {
  auto fault = make(-90s);
  ASSERT_TRUE(fault);
  Step applied = apply(*fault);
  ASSERT_TRUE(applied.status.is_ok()) << applied.status.message();
  EXPECT_NEAR(applied.evidence.at("observed_offset_ms").as_int64(), -90'000, 500);
  EXPECT_EQ(file_content(), "-90 x1\n");
  EXPECT_NEAR(date_offset_ms(), -90'000, date_tolerance_ms);
  ASSERT_TRUE(revert(*fault).status.is_ok());
}

// rate 2: a process started under it sees its wall clock run twice as fast; after the revert a
// process that was running all along is back to normal speed ("+0" alone would keep rate 2 in
// libfaketime 0.9.10, which is why revert writes "+0 x1").
TEST_F(ClockSkewTest, RateDoublesTheSpeedUntilReverted) {
  auto fault = make(0ms, 2.0);
  ASSERT_TRUE(fault);
  Step applied = apply(*fault);
  ASSERT_TRUE(applied.status.is_ok()) << applied.status.message();
  EXPECT_EQ(file_content(), "+0 x2\n");

  std::string output;
  std::thread witness([&] { output = run_with_node_environment(fs::read_symlink("/proc/self/exe").string() + " --rate-witness"); });
  std::this_thread::sleep_for(600ms);  // between the witness's two windows, with room for its start
  Step reverted = revert(*fault);
  witness.join();
  ASSERT_TRUE(reverted.status.is_ok()) << reverted.status.message();
  double first = 0, second = 0;
  ASSERT_EQ(std::sscanf(output.c_str(), "%lf %lf", &first, &second), 2) << output;
  std::printf("rate witness: wall/monotonic %.3f at rate 2, %.3f after the revert\n", first, second);
  EXPECT_NEAR(first, 2.0, 0.3);
  EXPECT_NEAR(second, 1.0, 0.15);
}

TEST_F(ClockSkewTest, WitnessWithoutLibfaketimeFailsTheApply) {
  environment_.erase("LD_PRELOAD");
  context_.step_deadline = 200ms;
  auto fault = make(10min);
  ASSERT_TRUE(fault);
  Step applied = apply(*fault);
  ASSERT_FALSE(applied.status.is_ok());
  EXPECT_NE(applied.status.message().find("clock.skew: node ledger-1: the witness did not read"), std::string::npos)
      << applied.status.message();
  EXPECT_NEAR(applied.evidence.at("observed_offset_ms").as_int64(), 0, 500);
}

TEST_F(ClockSkewTest, RevertSucceedsWhenTheRunDirectoryIsGone) {
  auto fault = make(10min);
  ASSERT_TRUE(fault);
  fs::remove_all(dir_ + "/clock");
  Step reverted = revert(*fault);
  ASSERT_TRUE(reverted.status.is_ok()) << reverted.status.message();
  EXPECT_EQ(reverted.evidence.at("clock_file"), "gone");
}

TEST_F(ClockSkewTest, InjectionLatency) {
  std::vector<std::chrono::microseconds> applies;
  for (int round = 0; round < latency_rounds; ++round) {
    auto fault = make(round % 2 ? Milliseconds(600'000) : Milliseconds(-90'000));
    ASSERT_TRUE(fault);
    Step applied = apply(*fault);
    ASSERT_TRUE(applied.status.is_ok()) << applied.status.message();
    applies.push_back(applied.took);
  }
  std::printf("clock.skew apply → verified: %s (target p99 <= 5 ms)\n", percentiles(applies).c_str());
  // Speed is a benchmark's figure (injection_latency_bench), never a pass/fail in a test.
}

}  // namespace
}  // namespace firedrill

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--rate-witness") return firedrill::rate_witness_main();
  firedrill::isolation = firedrill::isolate_mounts();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
