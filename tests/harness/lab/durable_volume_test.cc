// Tests of the durability-tracking volume (harness/lab/durable/): what a power cut keeps and what
// it takes, over a real FUSE mount on a real tmpfs, and SQLite on it.
//
// This binary has its own main(): as root it first moves the process into a private mount
// namespace, so that nothing mounted here can appear on the host, whatever happens to the test.
#include "lab/durable/durable_volume.h"

#include <fcntl.h>
#include <sched.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "testing/prerequisite.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int64_t volume_bytes = 8 * 1024 * 1024;
constexpr auto grace = 2000ms;

Status isolation = Status::error("not attempted");

Status isolate_mounts() {
  if (geteuid() != 0) return Status::error("not root");
  if (unshare(CLONE_NEWNS) != 0) return Status::error("unshare(CLONE_NEWNS) failed");
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return Status::error("private mounts");
  return Status::ok();
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `bytes` at `offset` of `path` (created if absent); with `sync`, fsyncs the file.
void write_at(const std::string& path, const std::string& bytes, off_t offset, bool sync, int flags = 0) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
  ASSERT_GE(fd, 0) << path << ": " << std::strerror(errno);
  ASSERT_EQ(pwrite(fd, bytes.data(), bytes.size(), offset), static_cast<ssize_t>(bytes.size()));
  if (sync) {
    ASSERT_EQ(fsync(fd), 0);
  }
  close(fd);
}

void sync_directory(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(fsync(fd), 0);
  close(fd);
}

class DurableVolumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FIREDRILL_REQUIRE(isolation.is_ok(), "root, for tmpfs and FUSE mounts (" + isolation.message() + ")");
    FIREDRILL_REQUIRE(access("/dev/fuse", R_OK | W_OK) == 0, "/dev/fuse");
    char pattern[] = "/tmp/firedrill-durable-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    const std::string options = "size=" + std::to_string(volume_bytes);
    ASSERT_EQ(mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()), 0);
    auto volume = DurableVolume::create(dir_, write_back());
    ASSERT_TRUE(volume.is_ok()) << volume.status().message();
    volume_ = std::move(*volume);
  }
  void TearDown() override {
    volume_.reset();
    if (!dir_.empty()) {
      umount2(dir_.c_str(), MNT_DETACH);
      rmdir(dir_.c_str());
    }
  }
  DiscardReport cut(TornWrites torn = {}) {
    auto report = volume_->power_cut(torn, grace);
    EXPECT_TRUE(report.is_ok()) << report.status().message();
    return report ? *report : DiscardReport{};
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  // Write-through (each write(2) one request, exact byte counts) unless a fixture says otherwise.
  virtual bool write_back() const { return false; }

  std::string dir_;
  std::unique_ptr<DurableVolume> volume_;
};

TEST_F(DurableVolumeTest, FsyncedDataSurvivesAndWhatCameAfterIsLost) {
  write_at(path("ledger"), std::string(10000, 'A'), 0, true);
  sync_directory(dir_);
  write_at(path("ledger"), std::string(5000, 'B'), 10000, false);
  write_at(path("ledger"), std::string(100, 'C'), 0, false);
  EXPECT_EQ(read_all(path("ledger")).size(), 15000u) << "writes pass through at once";
  const DiscardReport report = cut();
  EXPECT_EQ(read_all(path("ledger")), std::string(10000, 'A'));
  ASSERT_EQ(report.files.size(), 1u);
  EXPECT_EQ(report.files[0].path, "ledger");
  EXPECT_EQ(report.files[0].bytes_unsynced, 5100);
  EXPECT_EQ(report.files[0].durable_size, 10000);
  EXPECT_EQ(report.bytes_discarded, 5100);
  EXPECT_TRUE(report.names.empty());
  EXPECT_TRUE(report.errors.empty());
}

TEST_F(DurableVolumeTest, AFileWhoseDirectoryWasNeverSyncedIsGone) {
  fs::create_directory(path("d"));
  sync_directory(dir_);
  write_at(path("d/new"), "payment 1\n", 0, true);
  const DiscardReport report = cut();
  EXPECT_FALSE(fs::exists(path("d/new"))) << "fsync of the file does not make its name durable";
  EXPECT_TRUE(fs::exists(path("d")));
  ASSERT_EQ(report.names.size(), 1u);
  EXPECT_EQ(report.names[0].what, "create");
  EXPECT_EQ(report.names[0].path, "d/new");
}

TEST_F(DurableVolumeTest, ARenameIsDurableOnceItsDirectoryIsSynced) {
  write_at(path("state"), "old", 0, true);
  sync_directory(dir_);
  write_at(path("state.tmp"), "new", 0, true);
  sync_directory(dir_);
  fs::rename(path("state.tmp"), path("state"));
  EXPECT_EQ(read_all(path("state")), "new");
  cut();
  EXPECT_EQ(read_all(path("state")), "old") << "the rename was not durable";
  EXPECT_EQ(read_all(path("state.tmp")), "new");

  fs::rename(path("state.tmp"), path("state"));
  sync_directory(dir_);
  cut();
  EXPECT_EQ(read_all(path("state")), "new");
  EXPECT_FALSE(fs::exists(path("state.tmp")));
}

TEST_F(DurableVolumeTest, AnUnlinkIsUndoneUntilItsDirectoryIsSynced) {
  write_at(path("a"), "kept", 0, true);
  fs::create_directory(path("sub"));
  sync_directory(dir_);
  fs::remove(path("a"));
  fs::remove(path("sub"));
  EXPECT_FALSE(fs::exists(path("a")));
  const DiscardReport report = cut();
  EXPECT_EQ(read_all(path("a")), "kept");
  EXPECT_TRUE(fs::is_directory(path("sub")));
  EXPECT_EQ(report.names.size(), 2u);

  fs::remove(path("a"));
  sync_directory(dir_);
  cut();
  EXPECT_FALSE(fs::exists(path("a")));
  EXPECT_TRUE(fs::is_empty(dir_ + "/../" + fs::path(dir_).filename().string() + "/sub"));
}

TEST_F(DurableVolumeTest, ATruncationOfDurableDataIsUndone) {
  write_at(path("f"), std::string(9000, 'x'), 0, true);
  sync_directory(dir_);
  fs::resize_file(path("f"), 10);
  write_at(path("f"), "yyyy", 5000, false);
  cut();
  EXPECT_EQ(read_all(path("f")), std::string(9000, 'x'));
}

TEST_F(DurableVolumeTest, ODsyncWritesAndFdatasyncAreDurable) {
  sync_directory(dir_);
  write_at(path("wal"), "", 0, true);
  sync_directory(dir_);
  write_at(path("wal"), "frame-1", 0, false, O_DSYNC);
  const int fd = open(path("wal").c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_EQ(pwrite(fd, "frame-2", 7, 7), 7);
  ASSERT_EQ(fdatasync(fd), 0);
  ASSERT_EQ(pwrite(fd, "frame-3", 7, 14), 7);
  close(fd);
  const DiscardReport report = cut();
  EXPECT_EQ(read_all(path("wal")), "frame-1frame-2");
  EXPECT_EQ(report.bytes_discarded, 7);
}

TEST_F(DurableVolumeTest, TornWritesKeepASeededPrefixOfWholeBlocks) {
  sync_directory(dir_);
  write_at(path("f"), std::string(4096, 'a'), 0, true);
  sync_directory(dir_);
  int64_t kept_first = -1;
  for (int round = 0; round < 2; ++round) {
    write_at(path("f"), std::string(8 * 512, 'b'), 4096, false);
    const DiscardReport report = cut(TornWrites{512, 42});
    ASSERT_EQ(report.files.size(), 1u);
    const int64_t kept = report.files[0].torn_bytes_kept;
    EXPECT_EQ(kept % 512, 0);
    EXPECT_LE(kept, 8 * 512);
    EXPECT_EQ(read_all(path("f")), std::string(4096, 'a') + std::string(static_cast<size_t>(kept), 'b'));
    if (round == 0) {
      kept_first = kept;
    } else {
      EXPECT_EQ(kept, kept_first) << "the same seed tears the same way";
    }
    fs::resize_file(path("f"), 4096);
    const int fd = open(path("f").c_str(), O_RDONLY);
    fsync(fd);
    close(fd);
  }
}

TEST_F(DurableVolumeTest, AFullVolumeGivesEnospc) {
  const int fd = open(path("ballast").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  const std::string block(64 * 1024, 'z');
  int error = 0;
  for (int64_t written = 0; written <= volume_bytes; written += static_cast<int64_t>(block.size())) {
    if (write(fd, block.data(), block.size()) < 0) {
      error = errno;
      break;
    }
  }
  close(fd);
  EXPECT_EQ(error, ENOSPC);
  struct statvfs st {};
  ASSERT_EQ(statvfs(dir_.c_str(), &st), 0);
  EXPECT_LT(static_cast<int64_t>(st.f_bavail * st.f_frsize), 64 * 1024);
  fs::remove(path("ballast"));
}

TEST_F(DurableVolumeTest, WipeEmptiesTheVolume) {
  write_at(path("x"), "data", 0, true);
  sync_directory(dir_);
  ASSERT_TRUE(volume_->wipe(grace).is_ok());
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(DurableVolumeTest, CountsShowWritesBeforeTheFirstFsync) {
  write_at(path("f"), std::string(3000, 'a'), 0, false);
  write_at(path("f"), std::string(1000, 'b'), 3000, true);
  write_at(path("f"), std::string(500, 'c'), 4000, false);
  const DurabilityCounts counts = volume_->counts();
  EXPECT_EQ(counts.bytes_written, 4500);
  EXPECT_EQ(counts.bytes_before_first_fsync, 4000);
  EXPECT_EQ(counts.fsyncs, 1);
}

TEST_F(DurableVolumeTest, AHardLinkDoesNotMakeUnsyncedDataDurable) {
  sync_directory(dir_);
  write_at(path("tmp"), "never fsynced", 0, false);
  ASSERT_EQ(link(path("tmp").c_str(), path("final").c_str()), 0);
  fs::remove(path("tmp"));
  sync_directory(dir_);
  const DiscardReport report = cut();
  EXPECT_TRUE(fs::exists(path("final"))) << "its name was made durable";
  EXPECT_EQ(read_all(path("final")), "") << "its data never was";
  EXPECT_TRUE(report.errors.empty());
}

TEST_F(DurableVolumeTest, ChangesInsideADirectoryWhoseRemovalIsDurableLeaveNothingToUndo) {
  fs::create_directory(path("d"));
  sync_directory(dir_);
  write_at(path("d/f"), "x", 0, false);
  fs::remove(path("d/f"));
  fs::remove(path("d"));
  sync_directory(dir_);
  const DiscardReport report = cut();
  EXPECT_FALSE(fs::exists(path("d")));
  EXPECT_TRUE(report.errors.empty()) << report.errors.front();
}

TEST_F(DurableVolumeTest, ARenameOverAnEmptyDirectoryIsUndone) {
  fs::create_directory(path("a"));
  fs::create_directory(path("b"));
  write_at(path("a/kept"), "in a", 0, true);
  sync_directory(path("a"));
  sync_directory(dir_);
  fs::rename(path("a"), path("b"));
  const DiscardReport report = cut();
  EXPECT_EQ(read_all(path("a/kept")), "in a");
  EXPECT_TRUE(fs::is_directory(path("b")) && fs::is_empty(path("b")));
  EXPECT_TRUE(report.errors.empty());
}

TEST_F(DurableVolumeTest, TheHarnessBallastFreesItsSpaceAtOnceAndOutlivesACut) {
  const auto bytes_free = [this] {
    struct statvfs st {};
    statvfs(dir_.c_str(), &st);
    return static_cast<int64_t>(st.f_bavail * st.f_frsize);
  };
  const int64_t before = bytes_free();
  write_at(path(".firedrill-ballast"), std::string(4 * 1024 * 1024, 'b'), 0, false);
  cut();
  EXPECT_EQ(fs::file_size(path(".firedrill-ballast")), 4u * 1024 * 1024) << "disk.full's, not the system's";
  fs::remove(path(".firedrill-ballast"));
  // Freed once the kernel forgets the inode (FUSE's FORGET comes just after), as disk.full's
  // revert waits for it.
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (bytes_free() < before - 64 * 1024 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_GE(bytes_free(), before - 64 * 1024) << "removed for real, not kept in the trash";
}

// SQLite in WAL mode, as refpay's ledger runs it: synchronous=FULL keeps every commit through a
// power cut; NORMAL loses the commits since the last checkpoint. The connection is closed without
// its closing checkpoint, as a killed process would leave it.
int64_t rows_after_cut(DurableVolume& volume, const std::string& db, const std::string& sync) {
  sqlite3* handle = nullptr;
  EXPECT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  sqlite3_db_config(handle, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  const std::string setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + sync + "; CREATE TABLE t(v INTEGER);";
  EXPECT_EQ(sqlite3_exec(handle, setup.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  // The schema is checkpointed (synced under either setting) before the payments start.
  EXPECT_EQ(sqlite3_exec(handle, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr), SQLITE_OK);
  sync_directory(fs::path(db).parent_path().string());
  for (int i = 0; i < 200; ++i) {
    const std::string insert = "INSERT INTO t VALUES(" + std::to_string(i) + ")";
    EXPECT_EQ(sqlite3_exec(handle, insert.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  }
  sqlite3_close(handle);
  auto report = volume.power_cut({}, grace);
  EXPECT_TRUE(report.is_ok() && report->errors.empty());
  sqlite3* after = nullptr;
  EXPECT_EQ(sqlite3_open(db.c_str(), &after), SQLITE_OK);
  int64_t rows = -1;
  sqlite3_exec(
      after, "SELECT count(*) FROM t",
      [](void* out, int, char** values, char**) {
        *static_cast<int64_t*>(out) = std::stoll(values[0]);
        return 0;
      },
      &rows, nullptr);
  sqlite3_close(after);
  return rows;
}

TEST_F(DurableVolumeTest, SqliteWithSynchronousFullKeepsEveryCommit) {
  EXPECT_EQ(rows_after_cut(*volume_, path("full.db"), "FULL"), 200);
}

TEST_F(DurableVolumeTest, SqliteWithSynchronousNormalLosesTheUnsyncedCommits) {
  const int64_t rows = rows_after_cut(*volume_, path("normal.db"), "NORMAL");
  EXPECT_GE(rows, 0) << "the schema was checkpointed";
  EXPECT_LT(rows, 200);
}

// The same volume with the kernel's write-back cache, as a power.loss node gets it when no
// disk.full can reach it: what is durable is the same; the bytes arrive in pages; a full volume
// answers at fsync.
class DurableVolumeWriteBackTest : public DurableVolumeTest {
 protected:
  bool write_back() const override { return true; }
};

TEST_F(DurableVolumeWriteBackTest, FsyncedDataSurvivesAndWhatCameAfterIsLost) {
  write_at(path("ledger"), std::string(10000, 'A'), 0, true);
  sync_directory(dir_);
  write_at(path("ledger"), std::string(5000, 'B'), 10000, false);
  write_at(path("ledger"), std::string(100, 'C'), 0, false);
  const DiscardReport report = cut();
  EXPECT_EQ(read_all(path("ledger")), std::string(10000, 'A'));
  ASSERT_EQ(report.files.size(), 1u);
  EXPECT_GE(report.files[0].bytes_unsynced, 5100) << "in whole pages";
}

TEST_F(DurableVolumeWriteBackTest, NamesAreDurableOnlyWithTheirDirectory) {
  write_at(path("a"), "kept", 0, true);
  sync_directory(dir_);
  write_at(path("b"), "new", 0, true);
  fs::remove(path("a"));
  cut();
  EXPECT_EQ(read_all(path("a")), "kept");
  EXPECT_FALSE(fs::exists(path("b")));
}

TEST_F(DurableVolumeWriteBackTest, AFullVolumeAnswersAtFsync) {
  const int fd = open(path("ballast").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  const std::string block(64 * 1024, 'z');
  for (int64_t written = 0; written <= 2 * volume_bytes; written += static_cast<int64_t>(block.size())) {
    if (write(fd, block.data(), block.size()) < 0) break;
  }
  EXPECT_NE(fsync(fd), 0) << "the pages the volume could not take";
  close(fd);
  fs::remove(path("ballast"));
}

TEST_F(DurableVolumeWriteBackTest, SqliteWithSynchronousFullKeepsEveryCommit) {
  EXPECT_EQ(rows_after_cut(*volume_, path("full.db"), "FULL"), 200);
}

TEST_F(DurableVolumeWriteBackTest, SqliteWithSynchronousNormalLosesTheUnsyncedCommits) {
  const int64_t rows = rows_after_cut(*volume_, path("normal.db"), "NORMAL");
  EXPECT_GE(rows, 0);
  EXPECT_LT(rows, 200);
}

}  // namespace
}  // namespace firedrill

int main(int argc, char** argv) {
  firedrill::isolation = firedrill::isolate_mounts();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
