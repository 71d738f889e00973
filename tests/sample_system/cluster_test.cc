// refpay end to end: real ledger, arbiter and gateway processes on loopback, real SQLite.
// Each test states the behaviour a drill relies on (issue [1/8], "what it must show").
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include "common/clock.h"
#include "ledger/ledger_store.h"
#include "sample_system/refpay_fixture.h"

namespace refpay::testing {
namespace {


std::unique_ptr<LocalCluster> start_cluster(const TempDir& dir, const std::string& replication,
                                            const std::string& alert_url = "") {
  LocalClusterOptions options;
  options.work_dir = dir.path();
  options.replication = replication;
  options.alert_url = alert_url;
  auto cluster = LocalCluster::start(options);
  EXPECT_TRUE(cluster) << cluster.status().message();
  return cluster ? std::move(*cluster) : nullptr;
}

std::string standby_name(const LocalCluster& cluster, int primary, int nth) {
  int seen = 0;
  for (int i = 0; i < cluster.ledger_count(); ++i) {
    if (i != primary && seen++ == nth) return cluster.ledger_id(i);
  }
  return "";
}

// Payments sent one at a time with keys prefix-0.., returning the keys acknowledged with 201.
std::vector<std::string> pay_sequentially(const LocalCluster& cluster, const std::string& prefix, int count) {
  std::vector<std::string> acked;
  for (int i = 0; i < count; ++i) {
    std::string key = prefix + "-" + std::to_string(i);
    auto record = pay(cluster.gateway_url(), make_payment(key, account_id(1 + i % 8), account_id(9 + i % 8), 7));
    if (record.status == 201) acked.push_back(key);
  }
  return acked;
}

TEST(RefpayCluster, PaymentsCommitAndEveryStandbyExportEqualsThePrimarys) {
  TempDir dir;
  auto cluster = start_cluster(dir, "sync");
  ASSERT_TRUE(cluster);
  LoadOptions load;
  load.gateway_url = cluster->gateway_url();
  load.payments = 3000;
  load.concurrency = 16;
  LoadReport report = run_load(load);
  EXPECT_EQ(report.acknowledged, 3000) << report.summary();

  ASSERT_TRUE(cluster->wait_converged(std::chrono::seconds(10)));
  LedgerCheck check = check_ledgers(ledger_urls(*cluster), 64, 1'000'000'000);
  EXPECT_TRUE(check.ok()) << check.summary();
  EXPECT_EQ(check.transfers, 3000);
  auto keys = keys_in(export_of(*cluster, 1));
  for (const auto& r : report.records) EXPECT_EQ(keys[r.request.idempotency_key], 1) << r.request.idempotency_key;
}

TEST(RefpayCluster, RepeatedIdempotencyKeyReturnsTheOriginalResultAndAppliesOnce) {
  TempDir dir;
  auto cluster = start_cluster(dir, "sync");
  ASSERT_TRUE(cluster);
  PaymentRequest request = make_payment("same-key", "acct-1", "acct-2", 250);
  auto first = http_call(cluster->gateway_url(), "POST", "/v1/payments", payment_request_json(request));
  request.timestamp_ms += 5;  // a client retry carries a new timestamp
  auto again = http_call(cluster->gateway_url(), "POST", "/v1/payments", payment_request_json(request));
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.body, first.body);

  auto balance = json_of(http_call(cluster->gateway_url(), "GET", "/v1/accounts/acct-1").body);
  EXPECT_EQ(balance["balance"].as_int64(), 1'000'000'000 - 250);
  ASSERT_TRUE(cluster->wait_converged(std::chrono::seconds(5)));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(keys_in(export_of(*cluster, i))["same-key"], 1);

  PaymentRequest other = make_payment("same-key", "acct-1", "acct-3", 250);
  auto reused = http_call(cluster->gateway_url(), "POST", "/v1/payments", payment_request_json(other));
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(json_of(reused.body)["error"], "idempotency_key_reused");
}

TEST(RefpayCluster, InsufficientFundsAndEveryBadInputGetTheirStatusAndNothingCrashes) {
  TempDir dir;
  auto cluster = start_cluster(dir, "sync");
  ASSERT_TRUE(cluster);
  auto post = [&](const std::string& url, const std::string& body) {
    return http_call(url, "POST", "/v1/payments", body);
  };
  std::string now = std::to_string(make_payment("k", "a", "b", 1).timestamp_ms);
  int serial = 0;
  auto body = [&](const std::string& amount, const std::string& to = "acct-2") {
    return R"({"idempotency_key":"k-)" + std::to_string(serial++) + R"(","from":"acct-1","to":")" + to +
           R"(","amount":)" + amount + R"(,"timestamp_ms":)" + now + "}";
  };
  struct Case {
    std::string name, body;
    int status;
    std::string error, field;
  };
  const std::vector<Case> cases = {
      {"insufficient funds", body("2000000000"), 422, "insufficient_funds", ""},
      {"malformed json", "{\"from\": ", 400, "malformed_json", ""},
      {"not an object", "[1,2]", 400, "malformed_json", ""},
      {"missing to", R"({"idempotency_key":"k","from":"acct-1","amount":5,"timestamp_ms":)" + now + "}",
       400, "invalid_field", "to"},
      {"amount as string", body("\"5\""), 400, "invalid_field", "amount"},
      {"unknown field", R"({"idempotency_key":"k","from":"acct-1","to":"acct-2","amount":5,"timestamp_ms":)" +
                            now + R"(,"currency":"EUR"})",
       400, "invalid_field", "currency"},
      {"unknown account", body("5", "acct-99999"), 404, "unknown_account", "to"},
      {"zero amount", body("0"), 422, "invalid_amount", "amount"},
      {"negative amount", body("-5"), 422, "invalid_amount", "amount"},
      {"overflowing amount", body("99999999999999999999"), 422, "invalid_amount", "amount"},
      {"fractional amount", body("1.5"), 422, "invalid_amount", "amount"},
      {"same account", body("5", "acct-1"), 422, "same_account", "to"},
  };
  for (const std::string& url : {cluster->gateway_url(), cluster->ledger_url(0)}) {
    for (const auto& c : cases) {
      auto r = post(url, c.body);
      EXPECT_EQ(r.status, c.status) << url << " " << c.name << ": " << r.body;
      auto error = json_of(r.body);
      EXPECT_EQ(error["error"], boost::json::value(c.error)) << c.name << ": " << r.body;
      if (!c.field.empty()) {
        EXPECT_EQ(error["field"], boost::json::value(c.field)) << c.name;
      }
    }
    auto huge = post(url, std::string(64 * 1024, ' ') + body("5"));
    EXPECT_EQ(huge.status, 413) << url;
  }
  EXPECT_EQ(http_call(cluster->gateway_url(), "GET", "/v1/accounts/acct-99999").status, 404);
  EXPECT_EQ(http_call(cluster->gateway_url(), "GET", "/nope").status, 404);
  // Still serving, balances untouched.
  EXPECT_EQ(http_call(cluster->gateway_url(), "GET", "/healthz").status, 200);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(http_call(cluster->ledger_url(i), "GET", "/healthz").status, 200);
  LedgerCheck check = check_ledgers(ledger_urls(*cluster), 64, 1'000'000'000);
  EXPECT_TRUE(check.ok()) << check.summary();
  EXPECT_EQ(check.transfers, 0);
}

// Runs `program` with a config text; returns (exit code, output).
std::pair<int, std::string> run_with_config(const std::string& program, const std::string& config_path,
                                            const std::string& text) {
  std::ofstream(config_path) << text;
  std::string command = executable_dir() + "/" + program + " --config " + config_path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe)) output += buffer;
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(RefpayConfig, AConfigErrorExitsNonZeroNamingFileLineColumnAndKey) {
  TempDir dir;
  std::string path = dir.path() + "/bad.toml";
  auto [code, output] = run_with_config("refpay-ledger", path,
                                        "[node]\nid = \"ledger-1\"\ndata_dir = \"/tmp/x\"\n[ledger]\nreplicaton = \"sync\"\n");
  EXPECT_EQ(code, 78);
  EXPECT_NE(output.find(path + ":5:14: ledger.replicaton: unknown key"), std::string::npos) << output;

  std::tie(code, output) = run_with_config("refpay-ledger", path,
                                           "[node]\ndata_dir = \"/tmp/x\"\n[ledger]\nsync_replicas = \"two\"\n");
  EXPECT_EQ(code, 78);
  EXPECT_NE(output.find(path + ":4:17: ledger.sync_replicas: expected an integer"), std::string::npos) << output;

  std::tie(code, output) = run_with_config("refpay-ledger", path,
                                           "[node]\ndata_dir = \"/tmp/x\"\n[ledger]\nreplication = \"eventually\"\n");
  EXPECT_EQ(code, 78);
  EXPECT_NE(output.find("ledger.replication: \"eventually\" is not one of \"sync\", \"async\""), std::string::npos) << output;

  std::tie(code, output) = run_with_config("refpay-arbiter", path,
                                           "[arbiter]\nfailure_timeout_ms = 5\n[[ledgers]]\nid = \"a\"\nurl = \"http://127.0.0.1:1\"\n");
  EXPECT_EQ(code, 78);
  EXPECT_NE(output.find(path + ":2:22: arbiter.failure_timeout_ms: 5 is out of range"), std::string::npos) << output;

  std::tie(code, output) = run_with_config("refpay-gateway", path, "[node]\nlisten = \"nowhere\"\n");
  EXPECT_EQ(code, 78);
  EXPECT_NE(output.find("node.listen"), std::string::npos) << output;
}

// Kills the primary while a load runs; returns the acknowledged payments' keys.
struct KillUnderLoad {
  std::vector<std::string> acked;
  int old_primary = -1;
  int new_primary = -1;
  int64_t promotion_ms = -1;
};

KillUnderLoad kill_primary_under_load(LocalCluster& cluster) {
  KillUnderLoad out;
  std::atomic<bool> stop{false};
  LoadOptions load;
  load.gateway_url = cluster.gateway_url();
  load.concurrency = 8;
  load.duration = std::chrono::seconds(30);
  load.stop = &stop;
  LoadReport report;
  std::thread loader([&] { report = run_load(load); });
  std::this_thread::sleep_for(milliseconds(1000));
  out.old_primary = cluster.primary_index().value_or(-1);
  auto killed_at = Clock::now();
  EXPECT_TRUE(cluster.kill(cluster.ledger_id(out.old_primary)));
  while (Clock::now() - killed_at < std::chrono::seconds(10)) {
    auto p = cluster.primary_index();
    if (p && *p != out.old_primary) {
      out.new_primary = *p;
      out.promotion_ms = std::chrono::duration_cast<milliseconds>(Clock::now() - killed_at).count();
      break;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  std::this_thread::sleep_for(milliseconds(1500));  // payments flow through the new primary
  stop = true;
  loader.join();
  for (const auto& r : report.records) {
    if (r.status == 201) out.acked.push_back(r.request.idempotency_key);
  }
  EXPECT_GT(report.acknowledged, 100) << report.summary();
  return out;
}

TEST(RefpayCluster, SyncPrimaryKillFailsOverInTimeAndLosesNoAcknowledgedPayment) {
  TempDir dir;
  AlertReceiver alerts;
  auto cluster = start_cluster(dir, "sync", alerts.url());
  ASSERT_TRUE(cluster);
  KillUnderLoad run = kill_primary_under_load(*cluster);
  ASSERT_GE(run.new_primary, 0) << "no promotion";
  EXPECT_LE(run.promotion_ms, cluster->options().failure_timeout_ms + 1000);

  auto keys = keys_in(export_of(*cluster, run.new_primary));
  int missing = 0;
  for (const auto& key : run.acked) missing += keys[key] == 1 ? 0 : 1;
  EXPECT_EQ(missing, 0) << "acknowledged payments absent from the new primary";
  EXPECT_TRUE(alerts.wait_for("firing", "LedgerPrimaryDown", cluster->ledger_id(run.old_primary)));
  EXPECT_TRUE(alerts.wait_for("firing", "LedgerFailoverCompleted", cluster->ledger_id(run.new_primary)));
  EXPECT_TRUE(alerts.wait_for("resolved", "LedgerPrimaryDown"));
  for (const auto& n : alerts.notifications()) EXPECT_EQ(n.version, "4");

  // The old primary restarts, rejoins as a standby and converges.
  ASSERT_TRUE(cluster->restart(cluster->ledger_id(run.old_primary)));
  ASSERT_TRUE(cluster->wait_converged(std::chrono::seconds(15)));
  LedgerCheck check = check_ledgers(ledger_urls(*cluster), 64, 1'000'000'000);
  EXPECT_TRUE(check.ok()) << check.summary();
  auto status = json_of(http_call(cluster->ledger_url(run.old_primary), "GET", "/internal/status").body);
  EXPECT_EQ(status["role"], "standby");
}

// The deterministic loss of async replication: standbys paused, the primary acknowledges,
// the primary dies. Returns the keys acknowledged before and during the pause.
struct PausedRun {
  std::vector<std::string> before, during;
  int old_primary = -1, new_primary = -1;
  LoadReport during_report;
};

PausedRun pause_standbys_then_kill_primary(LocalCluster& cluster, bool concurrent_during) {
  PausedRun out;
  out.before = pay_sequentially(cluster, "before", 20);
  EXPECT_EQ(out.before.size(), 20u);
  EXPECT_TRUE(cluster.wait_converged(std::chrono::seconds(5)));
  out.old_primary = cluster.primary_index().value_or(-1);
  std::vector<std::string> standbys = {standby_name(cluster, out.old_primary, 0),
                                       standby_name(cluster, out.old_primary, 1)};
  for (const auto& s : standbys) EXPECT_TRUE(cluster.signal(s, SIGSTOP));
  // Let the standbys' parked replication polls run out (replication_wait_ms is 500 ms), so no
  // request for entries is outstanding: nothing committed from now on can reach them.
  std::this_thread::sleep_for(milliseconds(800));
  if (concurrent_during) {
    LoadOptions load;
    load.gateway_url = cluster.gateway_url();
    load.payments = 10;
    load.concurrency = 10;
    load.key_prefix = "during";
    out.during_report = run_load(load);
    for (const auto& r : out.during_report.records) {
      if (r.status == 201) out.during.push_back(r.request.idempotency_key);
    }
  } else {
    out.during = pay_sequentially(cluster, "during", 30);
  }
  EXPECT_TRUE(cluster.kill(cluster.ledger_id(out.old_primary)));
  for (const auto& s : standbys) EXPECT_TRUE(cluster.signal(s, SIGCONT));
  auto promoted = cluster.wait_for_primary(std::chrono::seconds(15), out.old_primary);
  EXPECT_TRUE(promoted) << promoted.status().message();
  out.new_primary = promoted ? *promoted : -1;
  return out;
}

TEST(RefpayCluster, AsyncLosesExactlyThePaymentsAcknowledgedWhileTheStandbysWerePaused) {
  TempDir dir;
  auto cluster = start_cluster(dir, "async");
  ASSERT_TRUE(cluster);
  PausedRun run = pause_standbys_then_kill_primary(*cluster, false);
  ASSERT_EQ(run.during.size(), 30u) << "async acknowledges after the local commit";
  ASSERT_GE(run.new_primary, 0);

  // Lost = acknowledged but absent from the new primary, computed from the raw export.
  auto keys = keys_in(export_of(*cluster, run.new_primary));
  std::set<std::string> lost;
  for (const auto* list : {&run.before, &run.during}) {
    for (const auto& key : *list) {
      if (!keys.count(key)) lost.insert(key);
    }
  }
  EXPECT_EQ(lost, std::set<std::string>(run.during.begin(), run.during.end()));

  // The old primary comes back, discards its unreplicated tail and converges.
  ASSERT_TRUE(cluster->restart(cluster->ledger_id(run.old_primary)));
  ASSERT_TRUE(cluster->wait_converged(std::chrono::seconds(15)));
  LedgerCheck check = check_ledgers(ledger_urls(*cluster), 64, 1'000'000'000);
  EXPECT_TRUE(check.ok()) << check.summary();
  auto status = json_of(http_call(cluster->ledger_url(run.old_primary), "GET", "/internal/status").body);
  EXPECT_EQ(status["discarded_transfers_total"].as_int64(), 30);
}

TEST(RefpayCluster, SyncAcknowledgesNothingWhileTheStandbysArePausedAndLosesNothing) {
  TempDir dir;
  auto cluster = start_cluster(dir, "sync");
  ASSERT_TRUE(cluster);
  PausedRun run = pause_standbys_then_kill_primary(*cluster, true);
  EXPECT_TRUE(run.during.empty()) << run.during_report.summary();
  EXPECT_EQ(run.during_report.by_status[504], 10) << run.during_report.summary();
  ASSERT_GE(run.new_primary, 0);
  auto keys = keys_in(export_of(*cluster, run.new_primary));
  for (const auto& key : run.before) EXPECT_EQ(keys[key], 1) << key;

  ASSERT_TRUE(cluster->restart(cluster->ledger_id(run.old_primary)));
  ASSERT_TRUE(cluster->wait_converged(std::chrono::seconds(15)));
  LedgerCheck check = check_ledgers(ledger_urls(*cluster), 64, 1'000'000'000);
  EXPECT_TRUE(check.ok()) << check.summary();
}

}  // namespace
}  // namespace refpay::testing
