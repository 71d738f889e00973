// Backup and restore drills end to end on refpay (issue [6/8], "what it must show"): when every
// ledger's storage is lost and rebuilt from full backups plus the archive, the report's lost_ids
// are exactly the payments acknowledged before the loss that the restored chain does not hold —
// computed here from the backup files themselves (SQLite and NDJSON, read directly) and the
// timeline, not from the exports the scorer reads; and a damaged backup is refused by the
// restore, named in the report, and makes the verdict a safety failure. Needs root (skips
// elsewhere, fails in CI).
#include <sqlite3.h>

#include <set>

#include "harness/cli/run_fixture.h"
#include "testing/prerequisite.h"

namespace firedrill::testing {
namespace {

// The idempotency keys of every transfer in a full backup (refpay's SQLite schema).
std::set<std::string> keys_in_full_backup(const std::string& path) {
  std::set<std::string> keys;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK) << path;
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT idempotency_key FROM transfers", -1, &s, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  while (s && sqlite3_step(s) == SQLITE_ROW) keys.insert(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  sqlite3_finalize(s);
  sqlite3_close(db);
  return keys;
}

// The keys of the archive segments in `dir` holding positions in (after, until].
std::set<std::string> keys_in_archive(const fs::path& dir, int64_t after, int64_t until) {
  std::set<std::string> keys;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    int64_t from = 0, to = 0;
    if (std::sscanf(name.c_str(), "archive-%ld-%ld.ndjson", &from, &to) != 2 || name.find("manifest") != std::string::npos) {
      continue;
    }
    if (to <= after || from > until) continue;
    std::istringstream in(text_of(entry.path()));
    for (std::string line; std::getline(in, line);) {
      json::object t = json::parse(line).as_object();
      int64_t position = t.at("position").as_int64();
      if (position > after && position <= until) keys.insert(std::string(t.at("idempotency_key").as_string()));
    }
  }
  return keys;
}

TEST(RestoreEndToEnd, SiteLossLosesExactlyThePaymentsAcknowledgedAfterTheRestoredPoint) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");
  Drill d = run_to_end(kSource / "scenarios/ci/site-loss-archive.toml");
  ASSERT_EQ(d.exit_code, 0) << text_of(d.dir + ".log");

  // The loss instant, and what each restore said it rebuilt.
  int64_t t0 = -1;
  std::vector<json::object> restores;
  for (const auto& r : d.timeline) {
    if (r.at("source") == "fault" && r.at("kind") == "applied" && r.at("fault_kind") == "storage.loss") {
      t0 = r.at("t_ns").as_int64();
    }
    if (r.at("source") == "action" && r.at("kind") == "end") restores.push_back(r);
  }
  ASSERT_GE(t0, 0) << "no verified storage.loss";
  ASSERT_EQ(restores.size(), 3u) << "one restore per ledger";
  // Every ledger was rebuilt from the same verified chain (the best in the store).
  const json::object& report = restores.front().at("output").as_object();
  for (const auto& r : restores) {
    ASSERT_TRUE(r.at("succeeded").as_bool()) << json::serialize(r);
    EXPECT_EQ(r.at("output").at("restored_position"), report.at("restored_position"));
  }
  const std::string full = std::string(report.at("full_backup").as_string());
  const int64_t restored_position = report.at("restored_position").as_int64();
  std::set<std::string> restored = keys_in_full_backup(full);
  const int64_t full_last = static_cast<int64_t>(restored.size());  // positions 1..N, no gaps
  for (const auto& key : keys_in_archive(std::string(report.at("source_dir").as_string()), full_last, restored_position)) {
    restored.insert(key);
  }
  ASSERT_EQ(static_cast<int64_t>(restored.size()), restored_position) << "the chain holds every position once";
  EXPECT_TRUE(restored.count(std::string(report.at("restored_key").as_string())));

  // Acknowledged before the loss, and not in the restored chain: lost. Nothing else may be.
  std::set<std::string> expected_lost;
  for (const auto& r : d.timeline) {
    if (r.at("source") != "workload" || r.at("kind") != "ok" || r.at("t_ns").as_int64() >= t0) continue;
    std::string key(r.at("key").as_string());
    if (!restored.count(key)) expected_lost.insert(key);
  }
  EXPECT_EQ(string_set(d.report.at("reconciliation").at("lost_ids")), expected_lost);
  const json::object& summary = d.report.at("restore").as_object();
  EXPECT_EQ(string_set(summary.at("lost_ids")), expected_lost);
  EXPECT_EQ(summary.at("restored_point").at("position").as_int64(), restored_position);
  EXPECT_TRUE(summary.at("backup_integrity").as_bool());
  EXPECT_GT(summary.at("duration_ms").to_number<double>(), 0);
  fs::remove_all(fs::path(d.dir).parent_path());
}

TEST(RestoreEndToEnd, DamagedBackupIsRefusedNamedAndASafetyFailure) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");
  Drill d = run_to_end(kSource / "scenarios/damaged-backup.toml");
  ASSERT_EQ(d.exit_code, 2) << text_of(d.dir + ".log");
  EXPECT_EQ(d.report.at("verdict"), "safety_failure");

  std::string corrupted;
  for (const auto& r : d.timeline) {
    if (r.at("source") == "fault" && r.at("kind") == "applied" && r.at("fault_kind") == "backup.corrupt") {
      corrupted = std::string(r.at("evidence").at("file").as_string());
    }
  }
  ASSERT_FALSE(corrupted.empty()) << "backup.corrupt was not verified";
  const json::object& summary = d.report.at("restore").as_object();
  EXPECT_FALSE(summary.at("backup_integrity").as_bool());
  EXPECT_EQ(string_set(summary.at("damaged_files")), std::set<std::string>{corrupted});
  const json::object& restore = d.report.at("restores").at(0).as_object();
  EXPECT_FALSE(restore.at("succeeded").as_bool());
  EXPECT_EQ(restore.at("damaged_file"), json::value(corrupted));
  bool named = false;
  for (const auto& f : d.report.at("failures").at("safety").as_array()) {
    named = named || std::string(f.as_string()).find("damaged backup: " + corrupted) != std::string::npos;
  }
  EXPECT_TRUE(named) << json::serialize(d.report.at("failures"));
  // The node came back empty and re-synced from the primary: the finding is the backup, not a loss.
  EXPECT_EQ(d.report.at("reconciliation").at("lost").as_int64(), 0);
  EXPECT_NE(text_of(d.dir + "/junit.xml").find("damaged backup: " + corrupted), std::string::npos);
  fs::remove_all(fs::path(d.dir).parent_path());
}

}  // namespace
}  // namespace firedrill::testing
