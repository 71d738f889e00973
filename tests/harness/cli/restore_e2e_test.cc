// Backup and restore drills end to end on refpay (issue [6/8], "what it must show"): when every
// ledger's storage is lost and rebuilt from full backups plus the archive, the report's lost_ids
// are exactly the acknowledged payments that the lost ledgers had committed and the restored
// chain does not hold — computed here from the backup files themselves (SQLite and NDJSON, read
// directly) and the timeline, not from the exports the scorer reads; and a damaged backup is refused by the
// restore, named in the report, and makes the verdict a safety failure. Needs root (skips
// elsewhere, fails in CI).
#include <sqlite3.h>

#include <iostream>
#include <map>
#include <set>
#include <string_view>

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

// The workload's records of `key` (invoke and completion), for a failure message.
std::string acknowledgement_of(const Drill& d, const std::string& key) {
  std::string out;
  for (const auto& r : d.timeline) {
    if (r.at("source") == "workload" && r.contains("key") && r.at("key").as_string() == key) out += json::serialize(r) + " ";
  }
  return out;
}

TEST(RestoreEndToEnd, SiteLossLosesExactlyThePaymentsAcknowledgedAfterTheRestoredPoint) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces");
  Drill d = run_to_end(kSource / "scenarios/ci/site-loss-archive.toml");
  SCOPED_TRACE("run directory " + d.dir + " (kept when the test fails)");
  ASSERT_EQ(d.exit_code, 0) << text_of(d.dir + ".log");

  // The loss instant T0 (every ledger reaped, its volume emptied), the revert (the restores start
  // after it), what each restore said it rebuilt, and the first ledger started after T0.
  int64_t t0 = -1, revert = -1, restarted = -1;
  std::vector<json::object> restores;
  for (const auto& r : d.timeline) {
    const int64_t t = r.at("t_ns").as_int64();
    if (r.at("source") == "fault" && r.at("fault_kind") == "storage.loss") {
      if (r.at("kind") == "applied") t0 = t;
      if (r.at("kind") == "revert") revert = t;
    }
    if (r.at("source") == "action" && r.at("kind") == "end") restores.push_back(r);
    if (r.at("source") == "supervisor" && r.at("kind") == "started" && t0 >= 0 && restarted < 0 &&
        std::string_view(r.at("node").as_string()).starts_with("ledger-")) {
      restarted = t;
    }
  }
  ASSERT_GE(t0, 0) << "no verified storage.loss";
  ASSERT_GT(revert, t0) << "the storage.loss was not reverted";
  ASSERT_EQ(restores.size(), 3u) << "one restore per ledger";
  // From T0 to the restart no ledger process existed: nothing could be committed in between.
  ASSERT_GT(restarted, restores.back().at("t_ns").as_int64()) << "a ledger started before its restore ended";
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

  // Lost: acknowledged, committed by the ledgers that were lost, and not in the restored chain.
  // When the acknowledgement was *recorded* does not say when the payment was committed: the 201
  // of a transfer committed just before the kill still crosses the gateway and the workload's
  // event loop, and its `ok` record can come after T0 (the `applied` record, a few ms after the
  // kill, handled first by the same event loop). The seeded schedule makes this likely: payment
  // 900 is due at the fault's instant (6 s at 150/s). So each acknowledged payment is attributed
  // by causality:
  //  - acknowledged before the revert: committed before the loss (no ledger ran from T0 to the
  //    restart, which follows the restores), whether its `ok` record precedes T0 or not;
  //  - its acknowledged attempt sent (`invoke`) after T0: it reached no ledger before the loss;
  //    committed after the restart, so never lost.
  // An attempt sent before T0 and acknowledged only after the revert would have outlived the
  // outage (fault duration 2 s, workload timeout 1 s): either is possible and the timeline cannot
  // tell which, so such a payment, if one ever occurs, is named and left out of the comparison.
  std::map<int64_t, int64_t> sent_at;  // op → its invoke
  for (const auto& r : d.timeline) {
    if (r.at("source") == "workload" && r.at("kind") == "invoke") sent_at[r.at("op").as_int64()] = r.at("t_ns").as_int64();
  }
  std::set<std::string> expected_lost, undecided;
  int64_t expected_lost_after_t0 = 0;  // recorded acknowledged at or after T0
  for (const auto& r : d.timeline) {
    if (r.at("source") != "workload" || r.at("kind") != "ok") continue;
    std::string key(r.at("key").as_string());
    const int64_t acked = r.at("t_ns").as_int64();
    if (restored.count(key)) continue;  // in the rebuilt log: not lost, whenever it was committed
    ASSERT_TRUE(sent_at.count(r.at("op").as_int64())) << json::serialize(r);
    if (acked < revert) {
      expected_lost.insert(key);
      expected_lost_after_t0 += acked >= t0 ? 1 : 0;
    } else if (sent_at.at(r.at("op").as_int64()) < t0) {
      undecided.insert(key);
    }
  }
  std::set<std::string> reported = string_set(d.report.at("reconciliation").at("lost_ids"));
  for (const auto& key : undecided) {
    std::cout << "neither expected nor excluded (sent before T0, acknowledged after the revert): " << key << " "
              << (reported.count(key) ? "reported lost" : "not reported lost") << " " << acknowledgement_of(d, key) << "\n";
    if (reported.erase(key)) ++expected_lost_after_t0;
  }
  for (const auto& key : reported) {
    if (!expected_lost.count(key)) ADD_FAILURE() << "reported lost, not expected: " << key << " " << acknowledgement_of(d, key);
  }
  for (const auto& key : expected_lost) {
    if (!reported.count(key)) ADD_FAILURE() << "expected lost, not reported: " << key << " " << acknowledgement_of(d, key);
  }
  EXPECT_EQ(reported, expected_lost);
  RecordProperty("lost_acknowledged_after_t0", static_cast<int>(expected_lost_after_t0));
  // The scorer names the ones whose acknowledgement was recorded at or after T0 (one fault: its T0).
  EXPECT_EQ(d.report.at("reconciliation").at("lost_after_t0").as_int64(), expected_lost_after_t0);
  const json::object& summary = d.report.at("restore").as_object();
  std::set<std::string> summary_lost = string_set(summary.at("lost_ids"));
  for (const auto& key : undecided) summary_lost.erase(key);
  EXPECT_EQ(summary_lost, expected_lost);
  EXPECT_EQ(summary.at("restored_point").at("position").as_int64(), restored_position);
  EXPECT_TRUE(summary.at("backup_integrity").as_bool());
  EXPECT_GT(summary.at("duration_ms").to_number<double>(), 0);
  // The run directory stays as evidence when anything failed (an ASSERT above returns before this).
  if (!HasFailure()) fs::remove_all(fs::path(d.dir).parent_path());
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
