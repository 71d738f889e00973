// Tests of disk.full (faults/disk) on real tmpfs volumes and clock.skew (faults/clock) on a real
// node process with firedrill's clock shim, plus their injection latency (apply → verified),
// printed for the record.
//
// This binary has its own main(): as root it first moves the process into a private mount
// namespace, so that no volume mounted here can appear on the host, whatever happens to the test.
// Run as `disk_clock_faults_test --rate-witness`, it is instead the long-running witness of the
// clock-rate tests (started under the clock shim; see rate_witness_main); as `--clock-node`, a
// node that reads its wall clock as a service does.
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

#include "fault/fault_kinds.h"
#include "lab/clock/clock_control.h"
#include "lab/clock/clock_control_file.h"
#include "lab/lab_place.h"
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

// Each fault its own index, as in a scenario: the place keys its changes by it (ChangeId).
int next_fault_index() {
  static int index = 0;
  return index++;
}

FaultSpec disk_full_spec(const std::string& node, std::optional<int64_t> percent) {
  FaultSpec spec;
  spec.index = next_fault_index();
  spec.kind = "disk.full";
  spec.target = "node:" + node;
  if (percent) spec.parameters["percent"] = *percent;
  return spec;
}

// What both kinds' tests drive: the lab's place on a supervisor of their own, a fault context on
// it, a temporary directory, and a fault's apply or revert run to completion.
class LabFaultTest : public ::testing::Test {
 protected:
  Step apply(Fault& fault) { return run_step(io_, [&](FaultDone done) { fault.apply(std::move(done)); }); }
  Step revert(Fault& fault) { return run_step(io_, [&](FaultDone done) { fault.revert(std::move(done)); }); }

  boost::asio::io_context io_;
  Supervisor supervisor_{io_, [](const ProcessEvent&) {}};
  LabPlace place_{io_, supervisor_};
  LabContext& context_ = place_.context();
  FaultContext fault_context_{io_, place_, 5s, {}};
  std::string dir_;
};

class DiskFullTest : public LabFaultTest {
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
    auto fault = builtin_fault_kinds().make(disk_full_spec(node, percent), node, fault_context_);
    EXPECT_TRUE(fault.is_ok()) << fault.status().message();
    return fault ? std::move(*fault) : nullptr;
  }
  int64_t bytes_free(const std::string& node) { return volumes_->bytes_free(node).value(); }

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

// The witness of the rate tests: under the clock shim, measures how fast its wall clock runs
// against its (real) monotonic clock over a 300 ms window, prints the ratio, creates `ready`,
// waits until `go` exists (the test reverts the skew meanwhile), measures a second window and
// prints that ratio: "2.000 1.000". The files make the test independent of the machine's speed.
int rate_witness_main(const std::string& ready, const std::string& go) {
  auto now_ns = [](clockid_t clock) {
    timespec t{};
    clock_gettime(clock, &t);
    return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
  };
  auto ratio_over_300ms = [&] {
    const int64_t real0 = now_ns(CLOCK_REALTIME), mono0 = now_ns(CLOCK_MONOTONIC);
    while (now_ns(CLOCK_MONOTONIC) - mono0 < 300'000'000) {
    }
    const int64_t real1 = now_ns(CLOCK_REALTIME), mono1 = now_ns(CLOCK_MONOTONIC);
    return static_cast<double>(real1 - real0) / static_cast<double>(mono1 - mono0);
  };
  const double first = ratio_over_300ms();
  std::ofstream(ready) << "ready\n";
  for (int waited_ms = 0; !fs::exists(go) && waited_ms < 30'000; ++waited_ms) std::this_thread::sleep_for(1ms);
  const double second = ratio_over_300ms();
  std::printf("%.3f %.3f\n", first, second);
  return 0;
}

// A node that reads its wall clock every 5 ms, as a service handling requests does.
int clock_node_main() {
  for (;;) {
    timespec t{};
    clock_gettime(CLOCK_REALTIME, &t);
    std::this_thread::sleep_for(1ms);  // a node serving requests reads its clock at least this often
  }
}

FaultSpec clock_skew_spec(Milliseconds offset, std::optional<double> rate) {
  FaultSpec spec;
  spec.index = next_fault_index();
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

// clock.skew against a real node process ("ledger-1", this binary as --clock-node) started by
// the Supervisor with the clock shim preloaded, as the runner starts the nodes a clock fault can
// reach.
class ClockSkewTest : public LabFaultTest {
 protected:
  void SetUp() override {
    FIREDRILL_REQUIRE(fs::exists(FIREDRILL_CLOCK_SHIM), std::string("the clock shim at ") + FIREDRILL_CLOCK_SHIM);
    dir_ = make_temp_dir();
    ASSERT_FALSE(dir_.empty());
    fs::create_directories(dir_ + "/clock");
    page_ = dir_ + "/clock/ledger-1.clock";
    auto page = ClockControlFile::create(page_);
    ASSERT_TRUE(page.is_ok()) << page.status().message();
    shim_ = fs::canonical(FIREDRILL_CLOCK_SHIM).string();
    environment_ = {{"PATH", "/usr/bin:/bin"}, {"LD_PRELOAD", shim_}, {clock_control_env, page_}};
    // In a sanitizer build the node (this binary) needs the sanitizer's options too, as the
    // runner gives its nodes (ASan refuses a preload ahead of it without them).
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
      if (const char* value = std::getenv(name)) environment_[name] = value;
    }
#if defined(__SANITIZE_ADDRESS__)
    environment_["ASAN_OPTIONS"] += ":verify_asan_link_order=0";
#endif
    context_.clock_control = [this](const std::string&) { return page_; };
    context_.clock_shim = shim_;
  }
  void TearDown() override {
    supervisor_.kill_all();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Starts ledger-1 as `argv` with the node environment and waits until it runs `program`
  // (after any exec of a wrapper): 2 s at most.
  void start_node(std::vector<std::string> argv, const std::string& program) {
    ProcessSpec spec;
    spec.name = "ledger-1";
    spec.argv = std::move(argv);
    spec.env = environment_;
    ASSERT_TRUE(supervisor_.start(spec).is_ok());
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while (std::chrono::steady_clock::now() < deadline) {
      io_.run_for(10ms);
      auto pid = supervisor_.pid("ledger-1");
      if (!pid) continue;
      std::ifstream comm("/proc/" + std::to_string(*pid) + "/comm");
      std::string name;
      std::getline(comm, name);
      if (name == program.substr(0, 15)) return;
    }
    FAIL() << "ledger-1 did not start " << program;
  }
  void start_clock_node() {
    start_node({fs::read_symlink("/proc/self/exe").string(), "--clock-node"},
               fs::read_symlink("/proc/self/exe").filename().string());
  }

  std::unique_ptr<Fault> make(Milliseconds offset, std::optional<double> rate = std::nullopt) {
    auto fault = builtin_fault_kinds().make(clock_skew_spec(offset, rate), "ledger-1", fault_context_);
    EXPECT_TRUE(fault.is_ok()) << fault.status().message();
    return fault ? std::move(*fault) : nullptr;
  }

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

  std::string page_;
  std::string shim_;
  std::map<std::string, std::string> environment_;
};

TEST_F(ClockSkewTest, TenMinutesAheadOnTheNodeItselfThenBack) {
  start_clock_node();
  auto fault = make(10min);
  ASSERT_TRUE(fault);
  EXPECT_EQ(fault->kind(), "clock.skew");
  Step applied = apply(*fault);
  ASSERT_TRUE(applied.status.is_ok()) << applied.status.message();
  std::printf("clock.skew apply evidence: %s\n", boost::json::serialize(applied.evidence).c_str());
  EXPECT_EQ(applied.evidence.at("requested_offset_ms").as_int64(), 600'000);
  EXPECT_NEAR(applied.evidence.at("observed_offset_ms").as_int64(), 600'000, 500);
  // Verified by the node's own read (the shim's acknowledgement) when the node read its clock
  // within the apply's short wait; on a machine too loaded to schedule it that soon, by a witness
  // through the same shim and page. Either way the node's own process reads the skew: the revert
  // below proves it (node_read_while_skewed).
  if (applied.evidence.at("verified_by") == "the node's own read") {
    const auto& node_read = applied.evidence.at("node_read");
    ASSERT_TRUE(node_read.is_object()) << boost::json::serialize(node_read);
    EXPECT_EQ(node_read.at("pid").as_int64(), *supervisor_.pid("ledger-1"));
    EXPECT_NEAR(node_read.at("observed_offset_ms").as_int64(), 600'000, 50);
  } else {
    EXPECT_EQ(applied.evidence.at("verified_by"), "a witness through the shim");
  }
  const auto& processes = applied.evidence.at("processes").as_array();
  ASSERT_EQ(processes.size(), 1u);
  EXPECT_TRUE(processes[0].at("shim_loaded").as_bool());
  EXPECT_NEAR(date_offset_ms(), 600'000, date_tolerance_ms);

  Step reverted = revert(*fault);
  ASSERT_TRUE(reverted.status.is_ok()) << reverted.status.message();
  EXPECT_NEAR(reverted.evidence.at("observed_offset_ms").as_int64(), 0, 500);
  ASSERT_TRUE(reverted.evidence.at("node_read_while_skewed").is_object());
  EXPECT_NEAR(reverted.evidence.at("node_read_while_skewed").at("observed_offset_ms").as_int64(), 600'000, 50);
  EXPECT_NEAR(date_offset_ms(), 0, date_tolerance_ms);
  EXPECT_TRUE(revert(*fault).status.is_ok()) << "idempotent";
}

TEST_F(ClockSkewTest, NinetySecondsBehind) {
  start_clock_node();
  auto fault = make(-90s);
  ASSERT_TRUE(fault);
  Step applied = apply(*fault);
  ASSERT_TRUE(applied.status.is_ok()) << applied.status.message();
  EXPECT_NEAR(applied.evidence.at("observed_offset_ms").as_int64(), -90'000, 500);
  EXPECT_NEAR(date_offset_ms(), -90'000, date_tolerance_ms);
  ASSERT_TRUE(revert(*fault).status.is_ok());
}

// rate 2: a process sees its wall clock run twice as fast from the apply on; after the revert it
// runs at normal speed again.
TEST_F(ClockSkewTest, RateDoublesTheSpeedUntilReverted) {
  start_clock_node();
  auto fault = make(0ms, 2.0);
  ASSERT_TRUE(fault);
  Step applied = apply(*fault);
  ASSERT_TRUE(applied.status.is_ok()) << applied.status.message();
  const std::string ready = dir_ + "/witness-ready", go = dir_ + "/witness-go";
  std::string output;
  std::thread witness([&] {
    output = run_with_node_environment(fs::read_symlink("/proc/self/exe").string() + " --rate-witness " + ready + " " + go);
  });
  for (int waited_ms = 0; !fs::exists(ready) && waited_ms < 30'000; ++waited_ms) std::this_thread::sleep_for(1ms);
  Step reverted = revert(*fault);
  std::ofstream(go) << "go\n";
  witness.join();
  ASSERT_TRUE(reverted.status.is_ok()) << reverted.status.message();
  double first = 0, second = 0;
  ASSERT_EQ(std::sscanf(output.c_str(), "%lf %lf", &first, &second), 2) << output;
  std::printf("rate witness: wall/monotonic %.3f at rate 2, %.3f after the revert\n", first, second);
  EXPECT_NEAR(first, 2.0, 0.1);
  EXPECT_NEAR(second, 1.0, 0.1);
}

// An idle node (it never reads its clock) still loads the shim: the skew is verified by a witness
// reading through the same shim and page, and the evidence says the node had not read it yet.
TEST_F(ClockSkewTest, AnIdleNodeIsVerifiedByAWitness) {
  start_node({"/bin/sleep", "30"}, "sleep");
  auto fault = make(10min);
  ASSERT_TRUE(fault);
  Step applied = apply(*fault);
  ASSERT_TRUE(applied.status.is_ok()) << applied.status.message();
  EXPECT_EQ(applied.evidence.at("verified_by"), "a witness through the shim");
  EXPECT_NEAR(applied.evidence.at("observed_offset_ms").as_int64(), 600'000, 500);
  EXPECT_TRUE(applied.evidence.at("node_read").is_string()) << boost::json::serialize(applied.evidence);
  ASSERT_TRUE(revert(*fault).status.is_ok());
}

// A node whose program does not keep the preload is not skewable: the apply fails and says why,
// and the page is not touched (nothing to revert, nothing reported as skewed).
TEST_F(ClockSkewTest, NodeThatClearsThePreloadIsRefused) {
  start_node({"/usr/bin/env", "-u", "LD_PRELOAD", "/bin/sleep", "30"}, "sleep");
  auto fault = make(10min);
  ASSERT_TRUE(fault);
  Step applied = apply(*fault);
  ASSERT_FALSE(applied.status.is_ok());
  EXPECT_NE(applied.status.message().find("clock.skew: node ledger-1: ledger-1: its process (pid " +
                                          std::to_string(*supervisor_.pid("ledger-1")) +
                                          ", sleep) does not load the clock shim"),
            std::string::npos)
      << applied.status.message();
  EXPECT_FALSE(applied.evidence.contains("observed_offset_ms"));
  auto page = ClockControlFile::open(page_);
  ASSERT_TRUE(page.is_ok());
  EXPECT_EQ(page->generation(), 0u) << "the page must not be written for a node that cannot be skewed";
}

TEST_F(ClockSkewTest, NodeOutsideThePlanIsRefused) {
  start_clock_node();
  context_.clock_control = [](const std::string&) { return std::string(); };
  auto fault = make(10min);
  ASSERT_TRUE(fault);
  Step applied = apply(*fault);
  ASSERT_FALSE(applied.status.is_ok());
  EXPECT_NE(applied.status.message().find("ledger-1 runs without the clock shim"), std::string::npos)
      << applied.status.message();
  EXPECT_TRUE(revert(*fault).status.is_ok()) << "nothing to revert";
}

TEST_F(ClockSkewTest, RevertSucceedsWhenTheRunDirectoryIsGone) {
  auto fault = make(10min);
  ASSERT_TRUE(fault);
  // The apply (refused: no node runs) makes the place hold the change the revert undoes.
  EXPECT_FALSE(apply(*fault).status.is_ok());
  fs::remove_all(dir_ + "/clock");
  Step reverted = revert(*fault);
  ASSERT_TRUE(reverted.status.is_ok()) << reverted.status.message();
  EXPECT_EQ(reverted.evidence.at("page"), "gone");
}

TEST_F(ClockSkewTest, InjectionLatency) {
  start_clock_node();
  std::vector<std::chrono::microseconds> applies;
  for (int round = 0; round < latency_rounds; ++round) {
    auto fault = make(round % 2 ? Milliseconds(600'000) : Milliseconds(-90'000));
    ASSERT_TRUE(fault);
    Step applied = apply(*fault);
    ASSERT_TRUE(applied.status.is_ok()) << applied.status.message();
    applies.push_back(applied.took);
  }
  std::printf("clock.skew apply → verified: %s\n", percentiles(applies).c_str());
  // Speed is a benchmark's figure (injection_latency_bench), never a pass/fail in a test.
}

}  // namespace
}  // namespace firedrill

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--rate-witness") return firedrill::rate_witness_main(argv[2], argv[3]);
  if (argc == 2 && std::string(argv[1]) == "--clock-node") return firedrill::clock_node_main();
  firedrill::isolation = firedrill::isolate_mounts();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
