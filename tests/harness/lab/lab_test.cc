// Tests of the lab's process boundary and volumes (harness/lab/lab.h, volumes.h): tmpfs volumes
// (root), reap_orphans, and enter_lab() for an unprivileged user (residue_probe run as nobody).
//
// This binary has its own main(): as root it first moves the process into a private mount
// namespace, so that no volume mounted here can appear on the host, whatever happens to the test.
#include "lab/lab.h"

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness/lab/residue_util.h"
#include "lab/volumes.h"
#include "testing/prerequisite.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int64_t volume_bytes = 4 * 1024 * 1024;
// tmpfs counts whole pages; allow this much slack against the requested size.
constexpr int64_t page_slack_bytes = 64 * 1024;
// The unprivileged user the enter_lab test runs the probe as.
constexpr uid_t nobody_uid = 65534;
constexpr std::chrono::milliseconds ready_ms_max(20000);
constexpr std::chrono::milliseconds residue_ms_max(2000);

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

class VolumesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FIREDRILL_REQUIRE(isolation.is_ok(), "root, for tmpfs mounts (" + isolation.message() + ")");
    dir_ = residue::make_run_dir();
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    if (dir_.empty()) return;
    for (const std::string& mount : residue::mounts_under(dir_)) umount2(mount.c_str(), MNT_DETACH);
    residue::remove_run_dir(dir_);
  }
  std::string dir_;
};

// Writes `bytes` of data to `path`, stopping at ENOSPC; the bytes written.
int64_t write_bytes(const std::string& path, int64_t bytes) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) return 0;
  std::setvbuf(file, nullptr, _IONBF, 0);
  const std::vector<char> block(64 * 1024, 'x');
  int64_t written = 0;
  while (written < bytes) {
    const std::size_t chunk = static_cast<std::size_t>(
        std::min<int64_t>(bytes - written, static_cast<int64_t>(block.size())));
    const std::size_t done = std::fwrite(block.data(), 1, chunk, file);
    written += static_cast<int64_t>(done);
    if (done < chunk) break;
  }
  std::fclose(file);
  return written;
}

TEST_F(VolumesTest, MountsOneSizedTmpfsPerNode) {
  auto volumes =
      Volumes::create(dir_ + "/data", {{"ledger-1", volume_bytes}, {"ledger-2", volume_bytes}});
  ASSERT_TRUE(volumes.is_ok()) << volumes.status().message();
  EXPECT_EQ((*volumes)->path("ledger-1"), dir_ + "/data/ledger-1");
  EXPECT_EQ(residue::mounts_under(dir_).size(), 2u);
  Result<int64_t> free_bytes = (*volumes)->bytes_free("ledger-2");
  ASSERT_TRUE(free_bytes.is_ok()) << free_bytes.status().message();
  EXPECT_LE(*free_bytes, volume_bytes);
  EXPECT_GT(*free_bytes, volume_bytes - page_slack_bytes);
  EXPECT_EQ(write_bytes((*volumes)->path("ledger-2") + "/a", 1024 * 1024), 1024 * 1024);
  Result<int64_t> after = (*volumes)->bytes_free("ledger-2");
  ASSERT_TRUE(after.is_ok());
  EXPECT_LE(*after, *free_bytes - 1024 * 1024);
  EXPECT_GT(*(*volumes)->bytes_free("ledger-1"), volume_bytes - page_slack_bytes) << "separate";
}

TEST_F(VolumesTest, EmptyClearsAFullVolumeWithoutFollowingLinks) {
  auto volumes = Volumes::create(dir_, {{"node", volume_bytes}});
  ASSERT_TRUE(volumes.is_ok()) << volumes.status().message();
  const std::string volume = (*volumes)->path("node");
  const std::string outside = dir_ + "/outside";
  std::ofstream(outside) << "keep me";
  fs::create_directories(volume + "/deep/er");
  std::ofstream(volume + "/deep/er/file") << "data";
  fs::create_symlink(outside, volume + "/link-to-outside");
  fs::create_directory_symlink(dir_, volume + "/link-to-dir");
  // Fill it up: the write stops short at ENOSPC.
  EXPECT_LT(write_bytes(volume + "/ballast", 2 * volume_bytes), 2 * volume_bytes);
  EXPECT_EQ(*(*volumes)->bytes_free("node"), 0);
  EXPECT_LT(write_bytes(volume + "/more", 4096), 4096) << "the volume should be full";

  Status emptied = (*volumes)->empty("node");
  ASSERT_TRUE(emptied.is_ok()) << emptied.message();
  EXPECT_TRUE(fs::is_empty(volume));
  EXPECT_TRUE(fs::exists(outside));
  EXPECT_TRUE(fs::exists(dir_ + "/outside"));
  EXPECT_GT(*(*volumes)->bytes_free("node"), volume_bytes - page_slack_bytes);
  EXPECT_TRUE((*volumes)->empty("node").is_ok()) << "emptying an empty volume";
}

TEST_F(VolumesTest, DestructorUnmountsAndIgnoresVolumesAlreadyGone) {
  auto volumes = Volumes::create(dir_, {{"a", volume_bytes}, {"b", volume_bytes}});
  ASSERT_TRUE(volumes.is_ok()) << volumes.status().message();
  ASSERT_EQ(umount2((*volumes)->path("a").c_str(), 0), 0);
  EXPECT_FALSE((*volumes)->empty("a").is_ok()) << "must not empty the directory under the mount";
  volumes = Status::error("released");
  EXPECT_TRUE(residue::mounts_under(dir_).empty());
}

TEST_F(VolumesTest, ErrorsNameTheNodeAndTheTarget) {
  EXPECT_FALSE(Volumes::create(dir_, {{"a/b", volume_bytes}}).is_ok());
  EXPECT_FALSE(Volumes::create(dir_, {{"..", volume_bytes}}).is_ok());
  EXPECT_FALSE(Volumes::create(dir_, {{"a", volume_bytes}, {"a", volume_bytes}}).is_ok());
  EXPECT_FALSE(Volumes::create(dir_, {{"a", 0}}).is_ok());
  // The second node's mount point is a regular file: the first volume is unmounted again.
  std::ofstream(dir_ + "/blocked") << "";
  auto volumes = Volumes::create(dir_, {{"fine", volume_bytes}, {"blocked", volume_bytes}});
  ASSERT_FALSE(volumes.is_ok());
  const std::string message = volumes.status().message();  // a copy: status() returns a temporary
  EXPECT_NE(message.find("node blocked"), std::string::npos) << message;
  EXPECT_NE(message.find(dir_ + "/blocked"), std::string::npos) << message;
  EXPECT_TRUE(residue::mounts_under(dir_).empty());
}

TEST_F(VolumesTest, RefusesAShareableMount) {
  const std::string shared = dir_ + "/shared";
  fs::create_directories(shared);
  ASSERT_EQ(mount("tmpfs", shared.c_str(), "tmpfs", 0, "size=1m"), 0);
  ASSERT_EQ(mount(nullptr, shared.c_str(), nullptr, MS_SHARED, nullptr), 0);
  auto volumes = Volumes::create(shared + "/run", {{"a", volume_bytes}});
  ASSERT_FALSE(volumes.is_ok());
  EXPECT_NE(volumes.status().message().find("shared mount " + shared), std::string::npos)
      << volumes.status().message();
  EXPECT_EQ(residue::mounts_under(dir_).size(), 1u);
}

// reap_orphans() reaps exited children the predicate does not claim, even behind a supervised
// zombie (which stays for its owner), and orphaned grandchildren handed to us.
TEST(ReapOrphansTest, ReapsOnlyUnsupervisedChildren) {
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);  // as PID 1 is, for the lab's orphans
  const pid_t supervised = fork();
  if (supervised == 0) _exit(0);
  const pid_t orphan_parent = fork();
  if (orphan_parent == 0) {
    if (fork() == 0) {
      std::this_thread::sleep_for(50ms);  // outlives its parent: reparented to us, then exits
      _exit(0);
    }
    _exit(0);
  }
  std::this_thread::sleep_for(300ms);
  const int reaped = reap_orphans([&](pid_t pid) { return pid == supervised; });
  EXPECT_EQ(reaped, 2);  // orphan_parent and its child
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PID, supervised, &info, WEXITED | WNOHANG | WNOWAIT), 0);
  EXPECT_EQ(info.si_pid, supervised) << "the supervised zombie must stay";
  EXPECT_EQ(reap_orphans([&](pid_t pid) { return pid == supervised; }), 0);
  EXPECT_EQ(waitpid(supervised, nullptr, 0), supervised);
  EXPECT_EQ(reap_orphans([](pid_t) { return false; }), 0) << "no children at all";
}

// What the kernel configuration says about unprivileged user namespaces: "" when allowed.
std::string user_namespace_blocker() {
  const std::pair<const char*, long> checks[] = {
      {"/proc/sys/user/max_user_namespaces", 0},
      {"/proc/sys/kernel/unprivileged_userns_clone", 0},
      {"/proc/sys/kernel/apparmor_restrict_unprivileged_userns", 1},
  };
  for (const auto& [path, blocking] : checks) {
    std::ifstream file(path);
    long value = -1;
    if (file >> value && value == blocking) return fs::path(path).filename().string();
  }
  return "";
}

// An unprivileged user enters the lab through a user namespace, or is told at once what blocks it.
TEST(EnterLabTest, UnprivilegedUserEntersThroughAUserNamespaceOrIsToldWhy) {
  const std::optional<uid_t> uid = geteuid() == 0 ? std::optional<uid_t>(nobody_uid) : std::nullopt;
  const std::string run_dir = residue::make_run_dir();
  ASSERT_FALSE(run_dir.empty());
  const std::string token = residue::make_token();
  const auto started = std::chrono::steady_clock::now();
  Result<residue::Probe> probe = residue::spawn_probe(run_dir, token, uid, ready_ms_max);
  const std::string blocker = user_namespace_blocker();
  if (!blocker.empty()) {
    ASSERT_FALSE(probe.is_ok());
    EXPECT_NE(probe.status().message().find(blocker), std::string::npos)
        << probe.status().message();
    EXPECT_NE(probe.status().message().find("run firedrill as root"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "must fail at once";
  } else {
    ASSERT_TRUE(probe.is_ok()) << probe.status().message();
    // The FUSE volume (power.loss) mounts inside the user namespace where /dev/fuse is open to the
    // user and the kernel allows it; elsewhere the error says which and what to do.
    const bool durable = probe->ready_line == "ready user-namespace durable";
    if (!durable) {
      EXPECT_EQ(probe->ready_line.rfind("ready user-namespace no-durable: ", 0), 0u) << probe->output;
      EXPECT_NE(probe->ready_line.find("/dev/fuse"), std::string::npos) << probe->ready_line;
      EXPECT_NE(probe->ready_line.find("root"), std::string::npos) << probe->ready_line;
    }
    EXPECT_EQ(residue::marked_processes(token).size(), 5u);
    EXPECT_TRUE(residue::mounts_under(run_dir).empty()) << "the lab's mounts leak out";
    const pid_t controller = residue::child_of(probe->pid);
    EXPECT_EQ(residue::mounts_under(run_dir, controller).size(), durable ? 4u : 3u)
        << "the lab's volumes, one under FUSE when it mounted";
    ASSERT_EQ(kill(probe->pid, SIGKILL), 0);
    const auto deadline = std::chrono::steady_clock::now() + residue_ms_max;
    while (!residue::marked_processes(token).empty() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_TRUE(residue::marked_processes(token).empty()) << "processes left behind";
    EXPECT_NE(residue::wait_for_exit(probe->pid, residue_ms_max), -1);
    close(probe->output_fd);
  }
  residue::reap_children(residue_ms_max);  // the controller, orphaned to us (see main)
  residue::remove_run_dir(run_dir);
}

// With /dev/fuse open to every user, as Debian's udev rule makes it (0666; this test gives the
// user such a node over /dev/fuse in its own mount namespace only), an ordinary user's lab mounts
// power.loss's FUSE volume inside its user namespace, and it goes when the lab is killed.
TEST(EnterLabTest, AnOrdinaryUsersLabMountsTheFuseVolumeWhereTheKernelAllowsIt) {
  FIREDRILL_REQUIRE(isolation.is_ok(), "root, in a private mount namespace (" + isolation.message() + ")");
  FIREDRILL_REQUIRE(user_namespace_blocker().empty(), "unprivileged user namespaces (" + user_namespace_blocker() + ")");
  const std::string dir = residue::make_run_dir();
  ASSERT_FALSE(dir.empty());
  const std::string device = dir + "/fuse";
  ASSERT_EQ(mknod(device.c_str(), S_IFCHR | 0666, makedev(10, 229)), 0) << std::strerror(errno);
  ASSERT_EQ(chmod(device.c_str(), 0666), 0);
  ASSERT_EQ(mount(device.c_str(), "/dev/fuse", nullptr, MS_BIND, nullptr), 0) << std::strerror(errno);
  const std::string run_dir = dir + "/run";
  fs::create_directories(run_dir);
  fs::permissions(dir, fs::perms::all);
  fs::permissions(run_dir, fs::perms::all);
  const std::string token = residue::make_token();
  Result<residue::Probe> probe = residue::spawn_probe(run_dir, token, nobody_uid, ready_ms_max);
  umount2("/dev/fuse", MNT_DETACH);
  ASSERT_TRUE(probe.is_ok()) << probe.status().message();
  // A kernel without FUSE in user namespaces says so; this one (Linux >= 4.18) allows it.
  EXPECT_EQ(probe->ready_line, "ready user-namespace durable") << probe->output;
  const pid_t controller = residue::child_of(probe->pid);
  const std::vector<std::string> mounts = residue::mounts_under(run_dir, controller);
  EXPECT_EQ(mounts.size(), 4u) << "three tmpfs volumes";
  EXPECT_EQ(std::count(mounts.begin(), mounts.end(), run_dir + "/res-a"), 2) << "res-a's tmpfs under FUSE";
  ASSERT_EQ(kill(probe->pid, SIGKILL), 0);
  EXPECT_NE(residue::wait_for_exit(probe->pid, residue_ms_max), -1);
  const auto deadline = std::chrono::steady_clock::now() + residue_ms_max;
  while (!residue::marked_processes(token).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(residue::marked_processes(token).empty()) << "processes left behind";
  close(probe->output_fd);
  residue::reap_children(residue_ms_max);
  residue::remove_run_dir(dir);
}

}  // namespace
}  // namespace firedrill

int main(int argc, char** argv) {
  firedrill::isolation = firedrill::isolate_mounts();
  // Orphans of the probes (a controller whose outer process was killed) come back to us.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
