// Each typed record encodes to exactly the fields the untyped call site wrote before it
// (harness/runner/drill_runner.cc, alert_receiver.cc, log_watcher.cc, harness/workload/
// payment_workload.cc, harness/timeline/timeline.cc): the untyped objects below are copied from
// those call sites, field for field and in the same order, with the same C++ types for the values.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "timeline/record.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// The line of `fields` as Timeline writes it (fixed envelope), for a typed and an untyped record.
std::string line_of(std::string_view source, std::string_view kind, json::object fields) {
  return format_line(7, 123'456'789, source, kind, std::move(fields), std::string(64, 'a'));
}

template <class R>
void expect_same_line(const R& typed, json::object untyped) {
  const TimelineRecord record = typed;
  EXPECT_EQ(line_of(source_of(record), kind_of(record), encode_fields(record)),
            line_of(source_of(record), kind_of(record), std::move(untyped)))
      << source_of(record) << " " << kind_of(record);
}

TEST(WritersMatchCallSites, Harness) {
  const uint64_t seed = 42;
  const int64_t uid = 0;
  json::object start{{"scenario", "ledger-primary-kill"}, {"scenario_digest", "a5ce"}, {"seed", seed},
                     {"pid", static_cast<int64_t>(1)},    {"tool", "firedrill 0.1.0"}, {"kernel", "Linux 6"},
                     {"host", "vm"},                      {"user", "root"},            {"uid", uid},
                     {"user_namespace", false}};
  start["utc"] = "2026-12-05T03:43:35.120322Z";
  expect_same_line(HarnessStart{"ledger-primary-kill", "a5ce", seed, 1, "firedrill 0.1.0", "Linux 6", "vm", "root",
                                uid, false, "2026-12-05T03:43:35.120322Z"},
                   start);
  expect_same_line(HarnessPhase{"baseline"}, {{"phase", std::string("baseline")}});
  expect_same_line(HarnessPreconditionFailed{"preflight: no netem", std::nullopt}, {{"what", "preflight: no netem"}});
  const int64_t limit_ms = 30'000;
  expect_same_line(HarnessPreconditionFailed{"system did not become healthy", limit_ms},
                   {{"what", "system did not become healthy"}, {"within_ms", limit_ms}});
  expect_same_line(HarnessError{"lab up", "netlink: EPERM"}, {{"where", "lab up"}, {"error", "netlink: EPERM"}});
  json::object nodes;
  nodes["ledger-1"] = "198.18.0.2";
  nodes["gateway"] = "198.18.0.6";
  expect_same_line(HarnessLab{"198.18.0.1", {{"ledger-1", "198.18.0.2"}, {"gateway", "198.18.0.6"}}, "http://x/alerts"},
                   {{"controller_address", "198.18.0.1"}, {"nodes", nodes}, {"alert_url", "http://x/alerts"}});
  expect_same_line(HarnessAbort{"signal INT"}, {{"reason", "signal INT"}});
  const int64_t n = 5;
  expect_same_line(HarnessEnd{"completed", n, n, n, n, n, n, n, n, n},
                   {{"end", "completed"},      {"payments_ok", n},      {"payments_fail", n},
                    {"payments_unknown", n},   {"payments_skipped", n}, {"faults_applied", n},
                    {"faults_reverted", n},    {"unexpected_exits", n}, {"alerts_firing", n},
                    {"harness_errors", n}});
  expect_same_line(HarnessSteadyState{true, 120, 1, 2, 5.641851},
                   {{"steady", true}, {"ok", int64_t{120}}, {"fail", int64_t{1}}, {"unknown", int64_t{2}},
                    {"p99_ms", 5.641851}});
  expect_same_line(HarnessStopCondition{"error_ratio", json::value(0.5), json::value(0.7321), 100, 2000, "tripped"},
                   {{"guard", "error_ratio"}, {"threshold", json::value(0.5)}, {"observed", json::value(0.7321)},
                    {"since_ns", int64_t{100}}, {"for_ms", int64_t{2000}}, {"reason", "tripped"}});
  expect_same_line(HarnessStopCondition{"no_progress", json::value(int64_t{3000}), json::value(int64_t{3100}), 9, 3000, "r"},
                   {{"guard", "no_progress"}, {"threshold", json::value(int64_t{3000})},
                    {"observed", json::value(int64_t{3100})}, {"since_ns", int64_t{9}}, {"for_ms", int64_t{3000}},
                    {"reason", "r"}});
}

TEST(WritersMatchCallSites, NodeSetupAndFinalReads) {
  const int64_t volume_bytes = 64 * 1024 * 1024;
  for (bool shim : {false, true}) {
    json::object environment;
    environment["HOME"] = "/v/ledger-1";
    environment["PATH"] = "/usr/bin";
    json::array own;
    own.push_back(json::string("REFPAY_MODE"));
    json::object setup{{"node", "ledger-1"},
                       {"clock_shim", shim},
                       {"preload", shim ? json::value("/lib/shim.so") : json::value(nullptr)},
                       {"environment_added", std::move(environment)},
                       {"definition_environment", std::move(own)},
                       {"volume", json::object{{"kind", "tmpfs"}, {"bytes", volume_bytes}, {"path", "/v/ledger-1"}}},
                       {"network_namespace", true},
                       {"working_dir", "/v/ledger-1"}};
    expect_same_line(HarnessNodeSetup{"ledger-1", shim,
                                      shim ? std::optional<std::string>("/lib/shim.so") : std::nullopt,
                                      {{"HOME", "/v/ledger-1"}, {"PATH", "/usr/bin"}},
                                      {"REFPAY_MODE"},
                                      NodeVolume{"tmpfs", volume_bytes, "/v/ledger-1"},
                                      true,
                                      "/v/ledger-1"},
                     setup);
  }
  const std::string body = "{}\n{}\n";
  const int64_t lines = 2;
  expect_same_line(HarnessFinalRead{"ledger-1", true, "exports/ledger-1.ndjson", static_cast<int64_t>(body.size()),
                                    lines, "e3b0", std::nullopt},
                   {{"node", "ledger-1"}, {"ok", true}, {"path", "exports/ledger-1.ndjson"},
                    {"bytes", body.size()}, {"records", lines}, {"sha256", "e3b0"}});
  expect_same_line(HarnessFinalRead{"ledger-1", false, "exports/ledger-1.ndjson", std::nullopt, std::nullopt,
                                    std::nullopt, "status 500"},
                   {{"node", "ledger-1"}, {"ok", false}, {"path", "exports/ledger-1.ndjson"}, {"error", "status 500"}});
}

TEST(WritersMatchCallSites, Fault) {
  const int fault_index = 1;
  const int64_t scheduled = 1000, t0 = 1500;
  expect_same_line(FaultRevertRegistered{fault_index, "process.kill", "ledger-1"},
                   {{"fault", fault_index}, {"fault_kind", "process.kill"}, {"node", "ledger-1"}});
  expect_same_line(FaultApply{fault_index, "process.kill", "role:ledger-primary", "ledger-1", scheduled},
                   {{"fault", fault_index}, {"fault_kind", "process.kill"}, {"target", "role:ledger-primary"},
                    {"node", "ledger-1"}, {"scheduled_ns", scheduled}});
  json::object evidence{{"node", "ledger-1"}, {"signal", "SIGKILL"}, {"pid", 12}, {"reaped", true}};
  for (bool ok : {true, false}) {
    const std::string error = ok ? "" : "no such process";
    const auto typed = fault_apply_outcome(ok, FaultApplyResult{fault_index, "process.kill", ok, scheduled,
                                                                t0 - scheduled, evidence, error});
    std::visit([&](const auto& r) {
      expect_same_line(r, {{"fault", fault_index}, {"fault_kind", "process.kill"}, {"verified", ok},
                           {"scheduled_ns", scheduled}, {"gap_ns", t0 - scheduled}, {"evidence", evidence},
                           {"error", error}});
      EXPECT_EQ(std::string(r.kind), ok ? "applied" : "apply_failed");
    }, typed);
    const auto reverted = fault_revert_outcome(ok, FaultRevertResult{fault_index, "process.kill", ok, t0, evidence, error});
    std::visit([&](const auto& r) {
      expect_same_line(r, {{"fault", fault_index}, {"fault_kind", "process.kill"}, {"verified", ok},
                           {"started_ns", t0}, {"evidence", evidence}, {"error", error}});
      EXPECT_EQ(std::string(r.kind), ok ? "reverted" : "revert_failed");
    }, reverted);
  }
  expect_same_line(FaultRevert{fault_index, "process.kill", "ledger-1"},
                   {{"fault", fault_index}, {"fault_kind", "process.kill"}, {"node", "ledger-1"}});
}

TEST(WritersMatchCallSites, Action) {
  const int fault = 0;
  json::array argv{"refpay-restore", "--data-dir", "/v"};
  expect_same_line(ActionStart{fault, "ledger-3", "restore", "restore", {"refpay-restore", "--data-dir", "/v"}},
                   {{"fault", fault}, {"node", "ledger-3"}, {"action", "restore"}, {"purpose", "restore"},
                    {"argv", argv}});
  expect_same_line(ActionEnd{fault, "ledger-3", "restore", "restore", false, std::nullopt, std::nullopt, std::nullopt,
                             "no action", 0, std::nullopt, std::nullopt, std::nullopt},
                   {{"fault", fault}, {"node", "ledger-3"}, {"action", "restore"}, {"purpose", "restore"},
                    {"succeeded", false}, {"error", "no action"}, {"duration_ns", 0}});
  const int exit_code = 0, signal = 0;
  const bool timed_out = false;
  const int64_t duration = 407, started = 9437;
  for (json::value output : {json::value(nullptr), json::value(json::object{{"ok", true}})}) {
    expect_same_line(ActionEnd{fault, "ledger-3", "restore", "restore", true, exit_code, signal, timed_out, "",
                               duration, started, output, "logs/ledger-3.restore.out"},
                     {{"fault", fault}, {"node", "ledger-3"}, {"action", "restore"}, {"purpose", "restore"},
                      {"succeeded", true}, {"exit_code", exit_code}, {"signal", signal}, {"timed_out", timed_out},
                      {"error", ""}, {"duration_ns", duration}, {"started_ns", started}, {"output", output},
                      {"stdout", "logs/" + std::string("ledger-3.restore") + ".out"}});
  }
}

TEST(WritersMatchCallSites, ObservedSources) {
  const int status = 200;
  const int64_t latency = 1059537;
  expect_same_line(ProbeHealth{"ledger-3", true, status, latency, ""},
                   {{"node", "ledger-3"}, {"ok", true}, {"status", status}, {"latency_ns", latency}, {"error", ""}});
  const int pid = 12, exit_code = -1, signal = 9;
  json::object started{{"node", "ledger-1"}, {"pid", pid}, {"expected", false}};
  expect_same_line(SupervisorStarted{{"ledger-1", pid, false, std::nullopt}}, started);
  json::object failed{{"node", "ledger-1"}, {"pid", pid}, {"expected", false}};
  failed["error"] = "exec: ENOENT";
  expect_same_line(SupervisorStartFailed{{"ledger-1", pid, false, "exec: ENOENT"}}, failed);
  json::object exited{{"node", "ledger-1"}, {"pid", pid}, {"expected", true}};
  exited["exit_code"] = exit_code;
  exited["signal"] = signal;
  expect_same_line(SupervisorExited{"ledger-1", pid, true, exit_code, signal, std::nullopt}, exited);
  json::object labels{{"alertname", "LedgerDown"}, {"node", "ledger-1"}};
  expect_same_line(AlertmanagerAlert{"firing", "LedgerDown", labels, "2026-12-05T03:45:50.124Z", json::value("4")},
                   {{"status", "firing"}, {"alertname", "LedgerDown"}, {"labels", labels},
                    {"starts_at", "2026-12-05T03:45:50.124Z"}, {"version", json::value("4")}});
  const int rejected = 413;
  const std::size_t bytes = 17;
  expect_same_line(AlertmanagerAlertRejected{rejected, std::nullopt, "too large"},
                   {{"status", rejected}, {"error", "too large"}});
  expect_same_line(AlertmanagerAlertRejected{400, static_cast<int64_t>(bytes), "not JSON"},
                   {{"status", 400}, {"bytes", bytes}, {"error", "not JSON"}});
  expect_same_line(LogMatch{"ledger-2", "promoted", "ledger-2: promoted to primary"},
                   {{"node", "ledger-2"}, {"pattern", "promoted"}, {"line", "ledger-2: promoted to primary"}});
}

TEST(WritersMatchCallSites, Workload) {
  const int64_t op = 1, amount = 25, latency = 1707800, count = 136, next_n = 4458;
  const int attempt = 1, in_flight_max = 256;
  std::string key = "bdd732262feb6e95-0", from = "acct-58", to = "acct-9";
  expect_same_line(WorkloadInvoke{op, key, from, to, amount, attempt},
                   json::object{{"op", op}, {"key", key}, {"from", from}, {"to", to}, {"amount", amount},
                                {"attempt", attempt}});
  json::object ok{{"op", op}, {"key", key}, {"attempt", attempt}, {"status", 201}, {"latency_ns", latency}};
  std::visit([&](const auto& r) { expect_same_line(r, ok); },
             workload_completion(WorkloadOutcome::ok, {op, key, attempt, 201, latency, std::nullopt}));
  json::object unknown{{"op", op}, {"key", key}, {"attempt", attempt}, {"status", 504}, {"latency_ns", latency}};
  unknown["error"] = "HTTP 504: {\"error\":\"outcome_unknown\"}";
  const std::string error = "HTTP 504: {\"error\":\"outcome_unknown\"}";
  std::visit([&](const auto& r) { expect_same_line(r, unknown); },
             workload_completion(WorkloadOutcome::unknown, {op, key, attempt, 504, latency, error}));
  json::object fail{{"op", op}, {"key", key}, {"attempt", attempt}, {"status", 0}, {"latency_ns", latency}};
  fail["error"] = "not sent: connect refused";
  std::visit([&](const auto& r) { expect_same_line(r, fail); },
             workload_completion(WorkloadOutcome::fail, {op, key, attempt, 0, latency, "not sent: connect refused"}));
  expect_same_line(WorkloadSkipped{count, in_flight_max, next_n},
                   json::object{{"count", count}, {"in_flight_max", in_flight_max}, {"next_n", next_n}});
}

}  // namespace
}  // namespace firedrill
