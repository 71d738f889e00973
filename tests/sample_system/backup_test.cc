// refpay's backups and restores (issue [6/8]): hot full backups, archive segments and their
// manifests written from a real SQLite ledger; refpay-restore and refpay-backup run as real
// processes. First with a store driven directly (exact logs, epochs, repeated keys, truncation),
// then with a running cluster (RefpayBackupCluster).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <thread>

#include "backup/backup_agent.h"
#include "backup/backup_store.h"
#include "sample_system/backup_fixture.h"
#include "sample_system/refpay_fixture.h"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace refpay::testing {
namespace {

using backup::BackupAgent;
using backup::BackupOptions;

constexpr int64_t kAccounts = 4;
constexpr int64_t kOpening = 1'000'000;

std::map<std::string, int64_t> opening_balances(int64_t accounts, int64_t balance) {
  std::map<std::string, int64_t> b;
  for (int64_t i = 1; i <= accounts; ++i) b[account_id(i)] = balance;
  return b;
}

// Transfer `position` of a made-up log: keys k-<position>, except every 50th, which repeats an
// earlier key (a payment applied twice after its idempotency record expired).
Transfer made_up(int64_t position, int64_t epoch) {
  std::string key = position % 50 == 0 ? "k-" + std::to_string(position - 40) : "k-" + std::to_string(position);
  return Transfer{position, epoch, key, account_id(position % kAccounts + 1), account_id((position + 1) % kAccounts + 1),
                  position % 7 + 1, 900'000 + position, 1'000'000 + position * 10};
}

// A ledger store on disk with its backup agent (timers off: backups are taken by calling
// backup_now / archive_now), in data/ and store/ledger-1/ under a temporary directory.
class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    store_root_ = dir_.path() + "/store";
    backup_dir_ = store_root_ + "/ledger-1";
    open_store();
  }
  void open_store() {
    agent_.reset();
    store_.reset();
    auto store = LedgerStore::open(data_dir_, LedgerStoreOptions{kAccounts, kOpening, "normal"});
    ASSERT_TRUE(store) << store.status().message();
    store_ = std::move(*store);
    agent_ = std::make_unique<BackupAgent>(io_, *store_, BackupOptions{backup_dir_, 0, 0, 4}, "ledger-1");
    ASSERT_TRUE(agent_->start());
  }
  void append_to(int64_t last_position, int64_t epoch) {
    std::vector<Transfer> batch;
    for (int64_t p = store_->last_position() + 1; p <= last_position; ++p) batch.push_back(made_up(p, epoch));
    ASSERT_TRUE(store_->append(batch));
    if (epoch > store_->epoch()) {
      ASSERT_TRUE(store_->set_epoch(epoch));
    }
  }
  std::vector<std::string> original_export() const {
    std::vector<std::string> lines;
    EXPECT_TRUE(store_->export_ndjson([&](const std::string& line) { lines.push_back(line); }));
    return lines;
  }
  // The usual history: full-100 and archive 1..100, then 101..250 archived (epoch 2 from 201).
  void make_history() {
    append_to(100, 1);
    ASSERT_TRUE(agent_->backup_now());
    ASSERT_TRUE(agent_->archive_now());
    append_to(200, 1);
    append_to(250, 2);
    ASSERT_TRUE(agent_->archive_now());
  }
  ToolResult restore(const std::string& target, std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", target});
    return run_tool("refpay-restore", args, dir_.path());
  }
  std::string file(const std::string& name) const { return backup_dir_ + "/" + name; }

  TempDir dir_;
  boost::asio::io_context io_;
  std::string data_dir_, store_root_, backup_dir_;
  std::unique_ptr<LedgerStore> store_;
  std::unique_ptr<BackupAgent> agent_;
};

TEST_F(BackupTest, FilesAndManifestsNameWhatTheyHold) {
  make_history();
  for (const char* name : {"full-000000000100.sqlite", "archive-000000000001-000000000100.ndjson",
                           "archive-000000000101-000000000250.ndjson"}) {
    ASSERT_TRUE(fs::exists(file(name))) << name;
    auto manifest = backup::Manifest::parse(read_text(file(name) + backup::kManifestSuffix));
    ASSERT_TRUE(manifest) << manifest.status().message();
    EXPECT_EQ(manifest->file, name);
    EXPECT_EQ(manifest->node, "ledger-1");
    EXPECT_EQ(manifest->bytes, static_cast<int64_t>(fs::file_size(file(name))));
    EXPECT_EQ(manifest->sha256, backup::sha256_file(file(name))->sha256);
  }
  auto segment = *backup::Manifest::parse(read_text(file("archive-000000000101-000000000250.ndjson.manifest.json")));
  EXPECT_EQ(segment.kind, "archive");
  EXPECT_EQ(segment.span.first_position, 101);
  EXPECT_EQ(segment.span.last_position, 250);
  EXPECT_EQ(segment.span.entries, 150);
  EXPECT_EQ(segment.span.last_idempotency_key, made_up(250, 2).idempotency_key);
  EXPECT_EQ(segment.span.first_committed_at_ms, made_up(101, 1).committed_at_ms);
  EXPECT_EQ(segment.span.last_committed_at_ms, made_up(250, 2).committed_at_ms);
  // Each segment line is the export line of its transfer.
  auto lines = original_export();
  EXPECT_EQ(read_text(file("archive-000000000101-000000000250.ndjson")),
            [&] { std::string s; for (std::size_t i = 100; i < 250; ++i) s += lines[i]; return s; }());
  auto full = *backup::Manifest::parse(read_text(file("full-000000000100.sqlite.manifest.json")));
  EXPECT_EQ(full.kind, "hot");
  EXPECT_EQ(full.span.entries, 100);
  EXPECT_EQ(full.span.last_idempotency_key, "k-60");  // position 100 repeats k-60
}

TEST_F(BackupTest, NothingNewMeansNoNewBackupOrSegment) {
  append_to(30, 1);
  ASSERT_TRUE(agent_->backup_now());
  ASSERT_TRUE(agent_->archive_now());
  auto before = backup::scan_catalog(backup_dir_);
  ASSERT_TRUE(agent_->backup_now());
  ASSERT_TRUE(agent_->archive_now());
  auto after = backup::scan_catalog(backup_dir_);
  EXPECT_EQ(before->fulls.size(), 1u);
  EXPECT_EQ(after->fulls.size(), 1u);
  EXPECT_EQ(after->segments.size(), 1u);
  EXPECT_EQ(agent_->stats().full_backups, 1);
  EXPECT_EQ(agent_->stats().segments, 1);
}

TEST_F(BackupTest, RestoreFromFullPlusArchiveEqualsTheOriginalExactly) {
  make_history();
  auto original = original_export();
  std::string target = dir_.path() + "/restored";
  auto r = restore(target, {"--backup-store", store_root_, "--prefer", "ledger-1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json::object line = r.line();
  EXPECT_EQ(line.at("ok"), true);
  EXPECT_EQ(int_at(line, "restored_position"), 250);
  EXPECT_EQ(text_at(line, "restored_key"), made_up(250, 2).idempotency_key);
  EXPECT_EQ(int_at(line, "restored_committed_at_ms"), made_up(250, 2).committed_at_ms);
  EXPECT_EQ(text_at(line, "source_dir"), backup_dir_);
  EXPECT_EQ(text_at(line, "full_backup"), file("full-000000000100.sqlite"));
  EXPECT_EQ(text_at(line, "full_kind"), "hot");
  EXPECT_EQ(int_at(line, "archive_segments"), 1);
  EXPECT_EQ(int_at(line, "files_verified"), 4);
  EXPECT_GT(line.at("bytes_verified").as_int64(), 0);
  EXPECT_TRUE(line.at("duration_ms").is_int64());
  EXPECT_EQ(export_lines(target), original);
  expect_state(target, replay(opening_balances(kAccounts, kOpening), original), 2);
  EXPECT_EQ(store_->balances(), replay(opening_balances(kAccounts, kOpening), original).balances);
}

TEST_F(BackupTest, RestoreUntilAPositionStopsThereExactly) {
  make_history();
  auto original = original_export();
  for (int64_t until : {100, 101, 175, 200, 249}) {
    std::string target = dir_.path() + "/restored-" + std::to_string(until);
    auto r = restore(target, {"--backup-dir", backup_dir_, "--until-position", std::to_string(until)});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(int_at(r.line(), "restored_position"), until);
    EXPECT_EQ(int_at(r.line(), "archive_segments"), until == 100 ? 0 : 1) << until;
    EXPECT_EQ(export_lines(target), first_lines(original, until)) << until;
    expect_state(target, replay(opening_balances(kAccounts, kOpening), first_lines(original, until)), 1);
  }
  // Before the oldest full backup there is nothing to start from.
  auto r = restore(dir_.path() + "/too-early", {"--backup-dir", backup_dir_, "--until-position", "99"});
  EXPECT_EQ(r.exit_code, 66) << r.out << r.err;
  EXPECT_EQ(r.line().at("ok"), false);
  EXPECT_EQ(text_at(r.line(), "error").rfind("no backup", 0), 0u) << r.out;
  EXPECT_TRUE(dir_is_empty_or_absent(dir_.path() + "/too-early"));
}

TEST_F(BackupTest, RestoreUntilACommitTimeStopsBeforeTheFirstLaterTransfer) {
  make_history();
  auto original = original_export();
  // committed_at_ms of position p is 1,000,000 + 10 p.
  std::string target = dir_.path() + "/restored";
  auto r = restore(target, {"--backup-dir", backup_dir_, "--until-committed-ms", std::to_string(1'000'000 + 10 * 175 + 5)});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(int_at(r.line(), "restored_position"), 175);
  EXPECT_EQ(int_at(r.line(), "restored_committed_at_ms"), 1'000'000 + 10 * 175);
  EXPECT_EQ(export_lines(target), first_lines(original, 175));
}

TEST_F(BackupTest, TheHighestChainWinsAndTiesGoToThePreferredDirectoryThenTheName) {
  make_history();
  // ledger-2 holds the same backups; ledger-0 only the full backup (a shorter chain).
  fs::copy(backup_dir_, store_root_ + "/ledger-2");
  fs::create_directories(store_root_ + "/ledger-0");
  for (const char* f : {"full-000000000100.sqlite", "full-000000000100.sqlite.manifest.json"}) {
    fs::copy(file(f), store_root_ + "/ledger-0/" + f);
  }
  auto by_name = restore(dir_.path() + "/a", {"--backup-store", store_root_});
  ASSERT_EQ(by_name.exit_code, 0) << by_name.out << by_name.err;
  EXPECT_EQ(text_at(by_name.line(), "source_dir"), store_root_ + "/ledger-1");
  EXPECT_EQ(int_at(by_name.line(), "restored_position"), 250);
  auto preferred = restore(dir_.path() + "/b", {"--backup-store", store_root_, "--prefer", "ledger-2"});
  ASSERT_EQ(preferred.exit_code, 0) << preferred.out << preferred.err;
  EXPECT_EQ(text_at(preferred.line(), "source_dir"), store_root_ + "/ledger-2");
  auto shorter_preferred = restore(dir_.path() + "/c", {"--backup-store", store_root_, "--prefer", "ledger-0"});
  ASSERT_EQ(shorter_preferred.exit_code, 0);
  EXPECT_EQ(int_at(shorter_preferred.line(), "restored_position"), 250) << "the highest position beats the preference";
}

TEST_F(BackupTest, KindFilterAndEmptyStoresAndNonEmptyTargets) {
  make_history();
  auto cold_only = restore(dir_.path() + "/a", {"--backup-dir", backup_dir_, "--kind", "cold"});
  EXPECT_EQ(cold_only.exit_code, 66) << cold_only.out;
  EXPECT_EQ(cold_only.line().at("ok"), false);
  fs::create_directories(dir_.path() + "/empty-store/ledger-1");
  auto nothing = restore(dir_.path() + "/b", {"--backup-store", dir_.path() + "/empty-store"});
  EXPECT_EQ(nothing.exit_code, 66) << nothing.out;
  EXPECT_EQ(text_at(nothing.line(), "error").rfind("no backup", 0), 0u);
  auto usage = restore(dir_.path() + "/c", {});
  EXPECT_EQ(usage.exit_code, 64) << usage.out;
  EXPECT_EQ(usage.line().at("ok"), false);

  std::string occupied = dir_.path() + "/occupied";
  fs::create_directories(occupied);
  { std::ofstream(occupied + "/ledger.sqlite") << "not a database"; }
  auto refused = restore(occupied, {"--backup-dir", backup_dir_});
  EXPECT_EQ(refused.exit_code, 73) << refused.out;
  EXPECT_EQ(read_text(occupied + "/ledger.sqlite"), "not a database");
  auto forced = restore(occupied, {"--backup-dir", backup_dir_, "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_EQ(export_lines(occupied), original_export());
}

TEST_F(BackupTest, TruncationRemovesTheBackupsPastItAndArchivingResumesBelowIt) {
  append_to(100, 1);
  ASSERT_TRUE(agent_->backup_now());
  ASSERT_TRUE(agent_->archive_now());
  append_to(200, 1);
  ASSERT_TRUE(agent_->backup_now());
  ASSERT_TRUE(agent_->archive_now());
  ASSERT_TRUE(fs::exists(file("full-000000000200.sqlite")));

  // A failover: the new primary's history shares positions 1..150 only.
  auto removed = store_->truncate_after(150);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->size(), 50u);
  for (const char* gone : {"full-000000000200.sqlite", "archive-000000000101-000000000200.ndjson"}) {
    EXPECT_FALSE(fs::exists(file(gone))) << gone;
    EXPECT_FALSE(fs::exists(file(std::string(gone) + backup::kManifestSuffix))) << gone;
  }
  for (const char* kept : {"full-000000000100.sqlite", "archive-000000000001-000000000100.ndjson"}) {
    EXPECT_TRUE(fs::exists(file(kept))) << kept;
    EXPECT_TRUE(fs::exists(file(std::string(kept) + backup::kManifestSuffix))) << kept;
  }
  EXPECT_EQ(agent_->stats().full_position, 100);
  EXPECT_EQ(agent_->stats().archived_position, 100);
  EXPECT_EQ(agent_->stats().invalidated, 2);

  append_to(170, 3);  // the new history after the common prefix
  ASSERT_TRUE(agent_->archive_now());
  EXPECT_TRUE(fs::exists(file("archive-000000000101-000000000170.ndjson")));
  std::string target = dir_.path() + "/restored";
  auto r = restore(target, {"--backup-dir", backup_dir_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(int_at(r.line(), "restored_position"), 170);
  EXPECT_EQ(export_lines(target), original_export());
}

TEST_F(BackupTest, StartSetsAsideBackupsTheLogDoesNotHold) {
  make_history();
  // The node's storage is lost and it starts empty with the same backup directory.
  agent_.reset();
  store_.reset();
  fs::remove_all(data_dir_);
  open_store();
  auto catalog = backup::scan_catalog(backup_dir_);
  EXPECT_TRUE(catalog->fulls.empty());
  EXPECT_TRUE(catalog->segments.empty());
  EXPECT_TRUE(fs::exists(backup_dir_ + "/superseded/full-000000000100.sqlite"));
  EXPECT_TRUE(fs::exists(backup_dir_ + "/superseded/archive-000000000101-000000000250.ndjson.manifest.json"));
  EXPECT_EQ(agent_->stats().full_position, -1);
  EXPECT_EQ(agent_->stats().archived_position, 0);
}

TEST_F(BackupTest, ARestartWithTheSameLogKeepsItsBackups) {
  make_history();
  open_store();
  auto catalog = backup::scan_catalog(backup_dir_);
  EXPECT_EQ(catalog->fulls.size(), 1u);
  EXPECT_EQ(catalog->segments.size(), 2u);
  EXPECT_EQ(agent_->stats().full_position, 100);
  EXPECT_EQ(agent_->stats().archived_position, 250);
  EXPECT_FALSE(fs::exists(backup_dir_ + "/superseded"));
}

TEST_F(BackupTest, RetentionKeepsTheNewestFullBackupsAndTheSegmentsAfterThem) {
  for (int64_t last = 10; last <= 60; last += 10) {
    append_to(last, 1);
    ASSERT_TRUE(agent_->backup_now());
    ASSERT_TRUE(agent_->archive_now());
  }
  auto catalog = backup::scan_catalog(backup_dir_);
  ASSERT_EQ(catalog->fulls.size(), 4u);  // full_keep = 4: 30, 40, 50, 60
  EXPECT_EQ(catalog->fulls.front().name.last_position, 30);
  ASSERT_FALSE(catalog->segments.empty());
  EXPECT_EQ(catalog->segments.front().name.first_position, 31);  // 1..10, 11..20, 21..30 are of no use
}

// ---- damage: one flipped byte anywhere in the chosen chain --------------------------------------

enum class Where { start, middle, end };
struct Damage {
  const char* file;
  Where where;
};

class BackupDamageTest : public BackupTest, public ::testing::WithParamInterface<Damage> {};

TEST_P(BackupDamageTest, OneFlippedByteIsRefusedNamingTheFileAndNothingIsWritten) {
  make_history();
  std::string victim = file(GetParam().file);
  std::string bytes = read_text(victim);
  ASSERT_FALSE(bytes.empty());
  std::size_t at = GetParam().where == Where::start ? 0 : GetParam().where == Where::middle ? bytes.size() / 2
                                                                                             : bytes.size() - 1;
  bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
  { std::ofstream(victim, std::ios::binary | std::ios::trunc) << bytes; }

  std::string target = dir_.path() + "/restored";
  auto r = restore(target, {"--backup-store", store_root_, "--prefer", "ledger-1"});
  EXPECT_EQ(r.exit_code, 65) << r.out << r.err;
  json::object line = r.line();
  ASSERT_FALSE(line.empty()) << "stdout must be one JSON line: " << r.out;
  EXPECT_EQ(line.at("ok"), false);
  EXPECT_EQ(text_at(line, "damaged_file"), victim);
  EXPECT_NE(text_at(line, "error").find(victim), std::string::npos);
  EXPECT_EQ(r.err.rfind("refpay-restore: damaged backup: " + victim + ": ", 0), 0u) << r.err;
  EXPECT_TRUE(dir_is_empty_or_absent(target));
}

INSTANTIATE_TEST_SUITE_P(
    EveryFileOfTheChain, BackupDamageTest,
    ::testing::Values(Damage{"full-000000000100.sqlite", Where::start}, Damage{"full-000000000100.sqlite", Where::middle},
                      Damage{"full-000000000100.sqlite", Where::end},
                      Damage{"archive-000000000101-000000000250.ndjson", Where::start},
                      Damage{"archive-000000000101-000000000250.ndjson", Where::middle},
                      Damage{"archive-000000000101-000000000250.ndjson", Where::end},
                      Damage{"full-000000000100.sqlite.manifest.json", Where::start},
                      Damage{"full-000000000100.sqlite.manifest.json", Where::middle},
                      Damage{"full-000000000100.sqlite.manifest.json", Where::end},
                      Damage{"archive-000000000101-000000000250.ndjson.manifest.json", Where::start},
                      Damage{"archive-000000000101-000000000250.ndjson.manifest.json", Where::middle},
                      Damage{"archive-000000000101-000000000250.ndjson.manifest.json", Where::end}),
    [](const ::testing::TestParamInfo<Damage>& param) {
      std::string name = param.param.file;
      std::string out = name.rfind("full", 0) == 0 ? "full" : "archive";
      if (name.find(".manifest.json") != std::string::npos) out += "_manifest";
      return out + (param.param.where == Where::start ? "_start" : param.param.where == Where::middle ? "_middle" : "_end");
    });

TEST_F(BackupTest, AMissingDataFileIsDamageToo) {
  make_history();
  fs::remove(file("archive-000000000101-000000000250.ndjson"));
  auto r = restore(dir_.path() + "/restored", {"--backup-dir", backup_dir_});
  EXPECT_EQ(r.exit_code, 65) << r.out;
  EXPECT_EQ(text_at(r.line(), "damaged_file"), file("archive-000000000101-000000000250.ndjson"));
  EXPECT_TRUE(dir_is_empty_or_absent(dir_.path() + "/restored"));
}

TEST_F(BackupTest, AManifestThatDisagreesWithItsFileIsRefused) {
  make_history();
  // Manifests rewritten consistently (valid hash of the file, valid self-hash) but describing
  // other contents: only the comparison with what the file holds can catch them.
  for (const char* name : {"full-000000000100.sqlite", "archive-000000000101-000000000250.ndjson"}) {
    std::string pristine = read_text(file(name) + backup::kManifestSuffix);
    auto manifest = backup::Manifest::parse(pristine);
    ASSERT_TRUE(manifest);
    manifest->span.last_idempotency_key = "someone-else";
    { std::ofstream(file(name) + backup::kManifestSuffix, std::ios::trunc) << manifest->to_text(); }
    auto r = restore(dir_.path() + "/restored", {"--backup-dir", backup_dir_});
    EXPECT_EQ(r.exit_code, 65) << r.out;
    EXPECT_EQ(text_at(r.line(), "damaged_file"), file(name));
    EXPECT_NE(r.err.find("the manifest says"), std::string::npos) << r.err;
    EXPECT_TRUE(dir_is_empty_or_absent(dir_.path() + "/restored"));
    { std::ofstream(file(name) + backup::kManifestSuffix, std::ios::trunc) << pristine; }
  }
  auto r = restore(dir_.path() + "/restored", {"--backup-dir", backup_dir_});
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

// ---- configuration ------------------------------------------------------------------------------

TEST(RefpayBackupConfig, ABackupDirInsideTheDataDirOrAnIntervalWithoutADirIsAConfigError) {
  TempDir dir;
  auto inside = run_tool("refpay-ledger",
                         {"--set", "node.data_dir=" + dir.path() + "/data", "--set", "backup.dir=" + dir.path() + "/data/b",
                          "--set", "backup.full_interval_ms=100"},
                         dir.path());
  EXPECT_EQ(inside.exit_code, 78) << inside.err;
  EXPECT_NE(inside.err.find("backup.dir"), std::string::npos) << inside.err;
  auto no_dir = run_tool("refpay-ledger", {"--set", "node.data_dir=" + dir.path() + "/data", "--set", "backup.archive_interval_ms=100"},
                         dir.path());
  EXPECT_EQ(no_dir.exit_code, 78) << no_dir.err;
  auto typo = run_tool("refpay-ledger", {"--set", "node.data_dir=" + dir.path() + "/data", "--set", "backup.full_intervals_ms=100"},
                       dir.path());
  EXPECT_EQ(typo.exit_code, 78) << typo.err;
  EXPECT_NE(typo.err.find("backup.full_intervals_ms: unknown key"), std::string::npos) << typo.err;
}

// ---- a running cluster --------------------------------------------------------------------------

using std::chrono::milliseconds;

// Waits until every ledger's backups reach its last position (a full backup and the archive).
void wait_backed_up(const LocalCluster& cluster) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    bool all = true;
    for (int i = 0; i < cluster.ledger_count() && all; ++i) {
      auto status = json_of(http_call(cluster.ledger_url(i), "GET", "/internal/status").body);
      all = status.contains("backup_full_position") &&
            int_at(status, "backup_full_position") == int_at(status, "last_position") &&
            int_at(status, "backup_archived_position") == int_at(status, "last_position");
      if (!all) last = json::serialize(status);
    }
    if (all) return;
    std::this_thread::sleep_for(milliseconds(50));
  }
  ADD_FAILURE() << "backups did not catch up: " << last;
}

int64_t last_position_of(const LocalCluster& cluster, int index) {
  auto status = json_of(http_call(cluster.ledger_url(index), "GET", "/internal/status").body);
  return status.contains("last_position") ? status.at("last_position").as_int64() : -1;
}

// Sends `payments` payments with keys `key_prefix`-N through the gateway, 8 in flight; fails
// unless every one is acknowledged and the ledgers converge within 10 s.
::testing::AssertionResult pay_and_converge(LocalCluster& cluster, int64_t payments,
                                            const std::string& key_prefix = "load") {
  LoadOptions load;
  load.gateway_url = cluster.gateway_url();
  load.key_prefix = key_prefix;
  load.payments = payments;
  load.concurrency = 8;
  const int64_t acknowledged = run_load(load).acknowledged;
  if (acknowledged != payments) {
    return ::testing::AssertionFailure() << acknowledged << " of " << payments << " acknowledged";
  }
  if (Status converged = cluster.wait_converged(std::chrono::seconds(10)); !converged) {
    return ::testing::AssertionFailure() << converged.message();
  }
  return ::testing::AssertionSuccess();
}

// refpay-restore of `backup_dir` into `data_dir`, up to `position`.
ToolResult restore_until(const std::string& data_dir, const std::string& backup_dir, int64_t position,
                         const std::string& scratch_dir) {
  return run_tool("refpay-restore",
                  {"--data-dir", data_dir, "--backup-dir", backup_dir, "--until-position", std::to_string(position)},
                  scratch_dir);
}

TEST(RefpayBackupCluster, ARestoredLedgerEqualsTheOriginalUpToTheRestoredPoint) {
  TempDir dir;
  LocalClusterOptions options;
  options.work_dir = dir.path();
  options.backup_store = dir.path() + "/backup-store";
  options.backup_full_interval_ms = 300;
  options.backup_archive_interval_ms = 100;
  options.ledger_overrides = {"backup.full_keep=1000"};  // the full backup after the first load stays
  auto started = LocalCluster::start(options);
  ASSERT_TRUE(started) << started.status().message();
  auto& cluster = **started;

  ASSERT_TRUE(pay_and_converge(cluster, 600));
  wait_backed_up(cluster);
  const int64_t first_full = last_position_of(cluster, 0);  // every ledger has full-<first_full>
  ASSERT_TRUE(pay_and_converge(cluster, 700, "more"));
  wait_backed_up(cluster);
  for (int i = 0; i < cluster.ledger_count(); ++i) {
    std::string metrics = http_call(cluster.ledger_url(i), "GET", "/metrics").body;
    EXPECT_NE(metrics.find("\nrefpay_ledger_backup_failures_total 0\n"), std::string::npos) << metrics;
    EXPECT_EQ(metrics.find("\nrefpay_ledger_backups_total 0\n"), std::string::npos) << metrics;
    ASSERT_TRUE(cluster.stop(cluster.ledger_id(i)));
  }

  auto original = export_lines(cluster.data_dir(1));
  ASSERT_EQ(static_cast<int64_t>(original.size()), 1300);
  EXPECT_EQ(export_lines(cluster.data_dir(0)), original);
  const auto opening = opening_balances(64, 1'000'000'000);

  // Everything: the newest full backup (at the end) of the preferred node.
  std::string all = dir.path() + "/restored-all";
  auto r = run_tool("refpay-restore", {"--data-dir", all, "--backup-store", options.backup_store, "--prefer", "ledger-2"},
                    dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(int_at(r.line(), "restored_position"), 1300);
  EXPECT_EQ(text_at(r.line(), "source_dir"), cluster.backup_dir(1));
  EXPECT_EQ(export_lines(all), original);
  expect_state(all, replay(opening, original), 1);

  // Full backup only: the one taken after the first 600 payments.
  std::string full_only = dir.path() + "/restored-full";
  r = restore_until(full_only, cluster.backup_dir(2), first_full, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(int_at(r.line(), "restored_position"), first_full);
  EXPECT_EQ(int_at(r.line(), "archive_segments"), 0);
  EXPECT_EQ(text_at(r.line(), "full_kind"), "hot");
  EXPECT_EQ(export_lines(full_only), first_lines(original, first_full));
  expect_state(full_only, replay(opening, first_lines(original, first_full)), 1);

  // A full backup plus the archive after it, to a point in the middle of the second load that
  // no full backup ends at: the newest full backup before it is the base.
  auto catalog = backup::scan_catalog(cluster.backup_dir(0));
  ASSERT_TRUE(catalog);
  auto full_at = [&](int64_t position) {
    for (const auto& f : catalog->fulls) {
      if (f.name.last_position == position) return true;
    }
    return false;
  };
  int64_t until = first_full + 333;
  while (full_at(until)) ++until;
  std::string base;
  for (const auto& f : catalog->fulls) {
    if (f.name.last_position <= until) base = f.data_path;
  }
  std::string pitr = dir.path() + "/restored-pitr";
  r = restore_until(pitr, cluster.backup_dir(0), until, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(int_at(r.line(), "restored_position"), until);
  EXPECT_GE(int_at(r.line(), "archive_segments"), 1);
  EXPECT_EQ(text_at(r.line(), "full_backup"), base);
  auto expected = first_lines(original, until);
  EXPECT_EQ(export_lines(pitr), expected);
  auto restored_key = transfer_from_json(json::parse(expected.back()))->idempotency_key;
  EXPECT_EQ(text_at(r.line(), "restored_key"), restored_key);
  expect_state(pitr, replay(opening, expected), 1);

  // Storage loss of ledger-2: its data directory is wiped and rebuilt from the store, and the
  // ledgers start again; ledger-2 serves the original export and keeps its own backups.
  fs::remove_all(cluster.data_dir(1));
  r = run_tool("refpay-restore", {"--data-dir", cluster.data_dir(1), "--backup-store", options.backup_store, "--prefer",
                                  "ledger-2"},
               dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (int i = 0; i < cluster.ledger_count(); ++i) ASSERT_TRUE(cluster.restart(cluster.ledger_id(i)));
  ASSERT_TRUE(cluster.wait_for_primary(std::chrono::seconds(15)));
  ASSERT_TRUE(cluster.wait_converged(std::chrono::seconds(15)));
  std::string served = http_call(cluster.ledger_url(1), "GET", "/v1/ledger/export").body;
  std::string expected_text;
  for (const auto& line : original) expected_text += line;
  EXPECT_EQ(served, expected_text);
  EXPECT_FALSE(fs::exists(cluster.backup_dir(1) + "/superseded"));
}

TEST(RefpayBackupCluster, ColdBackupIsRefusedWhileTheNodeRunsAndRestoresOnceStopped) {
  TempDir dir;
  LocalClusterOptions options;
  options.work_dir = dir.path();
  auto started = LocalCluster::start(options);
  ASSERT_TRUE(started) << started.status().message();
  auto& cluster = **started;
  ASSERT_TRUE(pay_and_converge(cluster, 300));

  std::string cold_dir = dir.path() + "/cold-store/ledger-2";
  std::vector<std::string> args = {"cold", "--data-dir", cluster.data_dir(1), "--backup-dir", cold_dir, "--node", "ledger-2"};
  auto refused = run_tool("refpay-backup", args, dir.path());
  EXPECT_EQ(refused.exit_code, 75) << refused.out << refused.err;
  EXPECT_EQ(refused.line().at("ok"), false);
  EXPECT_NE(refused.err.find("in use by a running ledger"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(cold_dir + "/full-000000000300.sqlite"));
  // So is a restore into a running node's directory, even with --force.
  auto into_running = run_tool("refpay-restore", {"--data-dir", cluster.data_dir(1), "--backup-dir", cold_dir, "--force"},
                               dir.path());
  EXPECT_EQ(into_running.exit_code, 75) << into_running.out;

  ASSERT_TRUE(cluster.stop("ledger-2"));
  auto cold = run_tool("refpay-backup", args, dir.path());
  ASSERT_EQ(cold.exit_code, 0) << cold.out << cold.err;
  EXPECT_EQ(cold.line().at("ok"), true);
  EXPECT_EQ(text_at(cold.line(), "kind"), "cold");
  EXPECT_EQ(int_at(cold.line(), "last_position"), 300);
  EXPECT_EQ(text_at(cold.line(), "file"), cold_dir + "/full-000000000300.sqlite");
  auto manifest = backup::Manifest::parse(read_text(cold_dir + "/full-000000000300.sqlite.manifest.json"));
  ASSERT_TRUE(manifest) << manifest.status().message();
  EXPECT_EQ(manifest->kind, "cold");
  EXPECT_EQ(manifest->node, "ledger-2");

  auto original = export_lines(cluster.data_dir(1));
  std::string target = dir.path() + "/restored";
  auto hot_only = run_tool("refpay-restore", {"--data-dir", target, "--backup-dir", cold_dir, "--kind", "hot"}, dir.path());
  EXPECT_EQ(hot_only.exit_code, 66) << hot_only.out;
  auto r = run_tool("refpay-restore", {"--data-dir", target, "--backup-dir", cold_dir, "--kind", "cold"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(text_at(r.line(), "full_kind"), "cold");
  EXPECT_EQ(int_at(r.line(), "restored_position"), 300);
  EXPECT_EQ(export_lines(target), original);
  expect_state(target, replay(opening_balances(64, 1'000'000'000), original), 1);

  // The stopped node starts again on its own data (the cold backup left it as it was).
  ASSERT_TRUE(cluster.restart("ledger-2"));
  ASSERT_TRUE(cluster.wait_converged(std::chrono::seconds(15)));
}

}  // namespace
}  // namespace refpay::testing
