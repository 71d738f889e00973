// power.loss end to end on refpay (issue [5/6], "done when"): the library's two power-cut
// scenarios end with their stated verdicts, and with synchronous = normal the payments the report
// names as lost are exactly those acknowledged after the ledgers' last fsync before the cut: every
// payment acknowledged before every ledger's last fsync survives, every one acknowledged after
// the last of them (plus the write-to-acknowledgement latency) is lost. Needs root and /dev/fuse
// (skips elsewhere, fails in CI).
#include <unistd.h>

#include <set>
#include <string>

#include "harness/cli/run_fixture.h"
#include "testing/prerequisite.h"

namespace firedrill::testing {
namespace {

// Slack for the fsync instants, which the evidence gives as "ms before the cut", and for the
// latency between a commit's write and the client's acknowledgement.
constexpr int64_t slack_ns = 100'000'000;

struct Cut {
  int64_t killed_ns = -1;       // the apply record: the SIGKILLs follow it
  int64_t applied_ns = -1;      // every volume cut
  json::object evidence;
};

Cut power_cut_of(const Drill& d) {
  Cut cut;
  for (const auto& r : d.timeline) {
    if (r.at("source") != "fault" || r.at("fault_kind") != "power.loss") continue;
    if (r.at("kind") == "apply") cut.killed_ns = r.at("t_ns").as_int64();
    if (r.at("kind") == "applied") {
      cut.applied_ns = r.at("t_ns").as_int64();
      cut.evidence = r.at("evidence").as_object();
    }
  }
  return cut;
}

void require_lab() {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to build the lab's namespaces and mount FUSE");
  FIREDRILL_REQUIRE(access("/dev/fuse", R_OK | W_OK) == 0, "/dev/fuse (the fuse module)");
}

TEST(PowerLossDrill, SynchronousFullLosesNothing) {
  require_lab();
  Drill d = run_to_end(kSource / "scenarios/power-loss-site.toml");
  SCOPED_TRACE("run directory " + d.dir + " (kept when the test fails)");
  ASSERT_EQ(d.exit_code, 0) << text_of(d.dir + ".log");
  EXPECT_EQ(d.report.at("verdict"), "pass");
  EXPECT_EQ(d.report.at("reconciliation").at("lost").as_int64(), 0);
  std::vector<std::string> disagreements;
  EXPECT_TRUE(independently_lost(d, &disagreements).empty());
  EXPECT_TRUE(disagreements.empty());

  const Cut cut = power_cut_of(d);
  ASSERT_GE(cut.applied_ns, 0) << "no applied power.loss";
  const auto& volumes = cut.evidence.at("volumes").as_array();
  ASSERT_EQ(volumes.size(), 3u) << "every ledger lost power";
  for (const auto& v : volumes) {
    EXPECT_GT(v.at("volume").at("fsyncs").as_int64(), 0) << json::serialize(v);
    EXPECT_TRUE(v.at("errors").as_array().empty()) << json::serialize(v);
  }
  // What the lab added: the durability-tracking filesystem on the ledgers only.
  const std::string setup = text_of(d.dir + "/node-setup.json");
  const json::value nodes = json::parse(setup);
  int durable = 0;
  for (const auto& n : nodes.at("nodes").as_array()) {
    const std::string kind(n.at("volume").at("kind").as_string());
    const bool is_durable = kind.find("durability-tracking") != std::string::npos;
    durable += is_durable ? 1 : 0;
    EXPECT_EQ(is_durable, std::string(n.at("node").as_string()).rfind("ledger-", 0) == 0) << kind;
  }
  EXPECT_EQ(durable, 3);
}

TEST(PowerLossDrill, SynchronousNormalLosesExactlyThePaymentsAcknowledgedAfterTheLastFsync) {
  require_lab();
  Drill d = run_to_end(kSource / "scenarios/power-loss-site-unsynced.toml");
  SCOPED_TRACE("run directory " + d.dir + " (kept when the test fails)");
  ASSERT_EQ(d.exit_code, 2) << text_of(d.dir + ".log");
  EXPECT_EQ(d.report.at("verdict"), "safety_failure");
  const std::set<std::string> lost = string_set(d.report.at("reconciliation").at("lost_ids"));
  ASSERT_FALSE(lost.empty()) << "acknowledged payments were never fsynced, yet none was lost";
  std::vector<std::string> disagreements;
  EXPECT_EQ(independently_lost(d, &disagreements), lost);
  EXPECT_TRUE(disagreements.empty());

  // Each ledger's last fsync before the cut, from the evidence; the earliest and the latest.
  const Cut cut = power_cut_of(d);
  ASSERT_GE(cut.applied_ns, 0) << "no applied power.loss";
  EXPECT_GT(cut.evidence.at("bytes_discarded").as_int64(), 0);
  int64_t first_sync = INT64_MAX, last_sync = 0;
  for (const auto& v : cut.evidence.at("volumes").as_array()) {
    const double ago_ms = v.at("volume").at("last_fsync_before_cut_ms").to_number<double>();
    const int64_t at = cut.applied_ns - static_cast<int64_t>(ago_ms * 1e6);
    first_sync = std::min(first_sync, at);
    last_sync = std::max(last_sync, at);
    bool wal_lost = false;
    for (const auto& f : v.at("files_discarded").as_array()) {
      wal_lost |= f.at("path") == "ledger.sqlite-wal" && f.at("bytes_unsynced").as_int64() > 0;
    }
    EXPECT_TRUE(wal_lost) << "the log's tail since the checkpoint is what was lost: " << json::serialize(v);
  }
  // Acknowledged before every ledger's last fsync: durable everywhere, so kept. Acknowledged after
  // the latest of them (and the latency): written after it, durable nowhere, so lost.
  for (const auto& r : d.timeline) {
    if (r.at("source") != "workload" || r.at("kind") != "ok") continue;
    const int64_t t = r.at("t_ns").as_int64();
    const std::string key(r.at("key").as_string());
    if (t < first_sync - slack_ns) {
      EXPECT_FALSE(lost.count(key)) << key << " was acknowledged before every fsync, yet lost";
    } else if (t > last_sync + slack_ns && t < cut.killed_ns) {
      EXPECT_TRUE(lost.count(key)) << key << " was acknowledged after every ledger's last fsync, yet kept";
    }
  }
}

}  // namespace
}  // namespace firedrill::testing
