// One sample of every record type, every optional field both set and not, for the round-trip
// tests.
#pragma once

#include <boost/json.hpp>
#include <vector>

#include "timeline/record.h"

namespace firedrill::testing {

inline std::vector<TimelineRecord> sample_records() {
  namespace json = boost::json;
  const json::object evidence{{"node", "ledger-1"}, {"pid", 12}, {"while_stopped", json::object{{"ok", true}}}};
  return {
      HarnessStart{"kill", "a5ce", 18'446'744'073'709'551'615ULL, 1, "firedrill 0.1.0", "Linux", "vm", "root", 0, true,
                   "2026-12-05T03:43:35.120322Z"},
      HarnessPhase{"faults"},
      HarnessPreconditionFailed{"system did not become healthy", 30'000},
      HarnessPreconditionFailed{"steady state did not hold in the baseline", std::nullopt},
      HarnessError{"fault[0] apply", "netlink: \"EPERM\"\n"},
      HarnessLab{"198.18.0.1", {{"ledger-1", "198.18.0.2"}, {"arbiter", "198.18.0.5"}}, "http://198.18.0.1:9093/alerts"},
      HarnessNodeSetup{"ledger-1", true, "/lib/shim.so", {{"HOME", "/v"}}, {"A", "B"}, NodeVolume{"tmpfs", 67108864, "/v"},
                       true, "/v"},
      HarnessNodeSetup{"gateway", false, std::nullopt, {}, {}, NodeVolume{"tmpfs", 1, "/g"}, true, "/g"},
      HarnessFinalRead{"ledger-1", true, "exports/ledger-1.ndjson", 2170, 12, "554b", std::nullopt},
      HarnessFinalRead{"ledger-2", false, "exports/ledger-2.ndjson", std::nullopt, std::nullopt, std::nullopt, "status 503"},
      HarnessAbort{"signal INT"},
      HarnessEnd{"aborted", 1, 2, 3, 4, 5, 6, 7, 8, 9},
      HarnessSteadyState{false, 120, 3, 0, 12.3456789012345},
      HarnessStopCondition{"error_ratio", json::value(0.05), json::value(0.8333333333333334), 10, 2000, "ratio"},
      HarnessStopCondition{"no_progress", json::value(3000), json::value(3001), 10, 3000, "stall"},
      FaultRevertRegistered{0, "network.partition", "ledger-1,ledger-2"},
      FaultApply{0, "network.partition", "role:ledger-primary -> client", "ledger-1", 13540422872},
      FaultApplied{{0, "process.kill", true, 1000, 2622914, evidence, ""}},
      FaultApplyFailed{{1, "network.delay", false, 1000, 5, {}, "no netem"}},
      FaultRevert{0, "process.kill", "ledger-1"},
      FaultReverted{{0, "process.kill", true, 18540395568, evidence, ""}},
      FaultRevertFailed{{2, "storage.fill", false, 7, {}, "rm: busy"}},
      ActionStart{1, "ledger-3", "restore", "restore", {"/bin/refpay-restore", "--kind", "cold"}},
      ActionEnd{1, "ledger-3", "restore", "restore", false, std::nullopt, std::nullopt, std::nullopt, "no such action",
                0, std::nullopt, std::nullopt, std::nullopt},
      ActionEnd{1, "ledger-3", "restore", "restore", true, 0, 0, false, "", 407374761, 9437881529,
                json::value(json::object{{"restored_position", 1191}}), "logs/ledger-3.restore.out"},
      ActionEnd{1, "ledger-3", "cold_backup", "while_stopped", false, 1, 0, true, "timed out", 5, 6, json::value(nullptr),
                "logs/ledger-3.cold_backup.out"},
      ProbeHealth{"gateway", false, 0, 707436, "connect 198.18.0.6:8080: Connection refused"},
      SupervisorStarted{{"ledger-1", 12, false, std::nullopt}},
      SupervisorStartFailed{{"ledger-1", 0, false, "exec: No such file"}},
      SupervisorExited{"ledger-1", 12, true, -1, 9, std::nullopt},
      SupervisorExited{"ledger-2", 13, false, 1, 0, "reaped late"},
      AlertmanagerAlert{"firing", "LedgerDown", json::object{{"alertname", "LedgerDown"}, {"node", "ledger-1"}},
                        "2026-12-05T03:45:50.124Z", json::value("4")},
      AlertmanagerAlert{"resolved", "LedgerDown", {}, "", json::value(nullptr)},
      AlertmanagerAlertRejected{413, std::nullopt, "body too large"},
      AlertmanagerAlertRejected{400, 17, "not a webhook"},
      PrometheusSetup{500, 500, 500, 1000, {"monitoring/rules/refpay-rules.yml"}, {"ledger-1", "gateway"}},
      PrometheusRule{"LedgerDown", "up == 0", 2000, "/run/monitoring/rules/r.yml", "refpay", "ok", "",
                     json::object{{"severity", "critical"}}},
      PrometheusAlertEpisode{"LedgerDown", json::object{{"alertname", "LedgerDown"}, {"node", "ledger-1"}}, 10, 20, 30,
                             std::nullopt},
      PrometheusAlertEpisode{"LedgerDown", {}, std::nullopt, 5, std::nullopt, 9},
      PrometheusReadFailed{"alerts", "timeout"},
      LogMatch{"ledger-2", "promoted|primary", "ledger-2: promoted to primary \xc3\xa9"},
      WorkloadInvoke{1, "bdd732262feb6e95-0", "acct-58", "acct-9", 25, 1},
      WorkloadOk{{1, "bdd732262feb6e95-0", 1, 201, 1707800, std::nullopt}},
      WorkloadFail{{2, "k-1", 1, 0, 5, "not sent: connect 198.18.0.6:8080: refused"}},
      WorkloadUnknown{{3, "k-2", 2, 504, 537944, "HTTP 504: {\"error\":\"outcome_unknown\",\"m\":\"a\\b\"}"}},
      WorkloadSkipped{136, 256, 4458},
      UnknownRecord{"harness", "someday", json::object{{"what", "a record of a later build"}, {"n", 1}}},
      UnknownRecord{"workload", "retry_scheduled", json::object{{"key", "k-1"}}},
  };
}

}  // namespace firedrill::testing
