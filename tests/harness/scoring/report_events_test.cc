// scoring/report_events.h: what report.html shows of the timeline besides the chart, read from
// the typed records.
#include "scoring/report_events.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "scoring/timeline_lines.h"

namespace firedrill {
namespace {

namespace json = boost::json;
constexpr int64_t kMs = 1'000'000;

json::object record(int64_t t_ns, const char* source, const char* kind, json::object fields = {}) {
  fields["t_ns"] = t_ns;
  fields["source"] = source;
  fields["kind"] = kind;
  return fields;
}

// The "what" of every event, one per line, as "source|node|what|bad".
std::string listing(const json::object& events) {
  std::string out;
  for (const auto& v : events.at("events").as_array()) {
    const json::object& e = v.as_object();
    out += std::string(e.at("source").as_string()) + "|" + std::string(e.at("node").as_string()) + "|" +
           std::string(e.at("what").as_string()) + (e.at("bad").as_bool() ? "|bad" : "") + "\n";
  }
  return out;
}

TEST(ReportEvents, TheAnchorTheLabAndThePhasesAreNotEventsButAreHandedOver) {
  RunData d;
  add_record(d, record(0, "harness", "start", {{"utc", "2026-12-05T07:00:00.000001Z"}}));
  add_record(d, record(1 * kMs, "harness", "node_setup", {{"node", "ledger-1"}, {"clock_shim", true}}));
  add_record(d, record(2 * kMs, "harness", "node_setup", {{"node", "gateway"}, {"clock_shim", false}}));
  add_record(d, record(3 * kMs, "harness", "lab", {{"controller_address", "10.0.0.1"}}));
  add_record(d, record(4 * kMs, "harness", "phase", {{"phase", "baseline"}}));
  add_record(d, record(9 * kMs, "workload", "ok", {{"key", "k1"}, {"latency_ns", 5}}));
  const json::object events = report_events(d);
  EXPECT_EQ(events.at("start_utc").as_string(), "2026-12-05T07:00:00.000001Z");
  EXPECT_EQ(events.at("clock_shim_nodes"), (json::array{"ledger-1"}));
  EXPECT_EQ(events.at("plain_nodes"), (json::array{"gateway"}));
  EXPECT_EQ(events.at("phases"), (json::array{json::object{{"t_ns", 4 * kMs}, {"phase", "baseline"}}}));
  EXPECT_EQ(listing(events), "harness|harness|phase baseline\n");
}

TEST(ReportEvents, ProbesAndTheSteadyStateOnlyWhenTheyChange) {
  RunData d;
  for (bool ok : {true, true, false, false, true}) {
    add_record(d, record(1 * kMs, "probe", "health", {{"node", "gateway"}, {"ok", ok}, {"status", ok ? 200 : 503}}));
  }
  for (bool steady : {true, true, false, true}) {
    add_record(d, record(2 * kMs, "harness", "steady_state", {{"steady", steady}, {"p99_ms", 812.5}}));
  }
  EXPECT_EQ(listing(report_events(d)),
            "probe|gateway|health probe failing: status 503\n"
            "probe|gateway|health probe ok again\n"
            "harness|harness|steady state holds\n"
            "harness|harness|steady state lost (p99 812.5 ms)\n"
            "harness|harness|steady state holds\n");
}

TEST(ReportEvents, FailuresAreMarkedBad) {
  RunData d;
  add_record(d, record(1, "fault", "applied",
                       {{"fault", 0}, {"fault_kind", "process.kill"}, {"verified", true},
                        {"evidence", json::object{{"node", "ledger-1"}}}}));
  add_record(d, record(2, "fault", "revert_failed",
                       {{"fault", 0}, {"fault_kind", "process.kill"}, {"error", "still stopped"}}));
  add_record(d, record(3, "supervisor", "exited", {{"node", "ledger-3"}, {"expected", false}, {"exit_code", 3}}));
  add_record(d, record(4, "supervisor", "exited", {{"node", "ledger-1"}, {"expected", true}, {"signal", 9}}));
  add_record(d, record(5, "action", "end",
                       {{"node", "ledger-1"}, {"action", "restore"}, {"purpose", "restore"}, {"succeeded", false},
                        {"error", "exit 2"}}));
  add_record(d, record(6, "harness", "final_read", {{"node", "ledger-2"}, {"path", "exports/ledger-2.ndjson"}, {"ok", false}}));
  add_record(d, record(7, "harness", "error", {{"where", "heal"}, {"error", "no such node"}}));
  add_record(d, record(8, "mystery", "thing", {{"node", "x"}}));  // a record this build does not know
  EXPECT_EQ(listing(report_events(d)),
            "fault|ledger-1|fault[0] process.kill applied\n"
            "fault||fault[0] process.kill revert_failed: still stopped|bad\n"
            "supervisor|ledger-3|process exited (code 3), UNEXPECTED|bad\n"
            "supervisor|ledger-1|process exited (signal 9), expected\n"
            "action|ledger-1|action restore (restore) end: FAILED exit 2|bad\n"
            "harness|ledger-2|final read exports/ledger-2.ndjson FAILED|bad\n"
            "harness|harness|error at heal: no such node|bad\n");
}

}  // namespace
}  // namespace firedrill
