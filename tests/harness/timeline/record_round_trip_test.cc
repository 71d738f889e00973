// Every record type round-trips: record → line (as Timeline writes it) → LineDecoder → the same
// record type → the same line, byte for byte. The workload's records take the fast path.
#include <gtest/gtest.h>

#include <set>

#include "timeline/line_decoder.h"
#include "harness/timeline/sample_records.h"

namespace firedrill {
namespace {

TEST(RecordRoundTrip, EveryRecordTypeIsSampled) {
  std::set<std::size_t> seen;
  for (const TimelineRecord& r : testing::sample_records()) seen.insert(r.index());
  EXPECT_EQ(seen.size(), std::variant_size_v<TimelineRecord>);
}

TEST(RecordRoundTrip, EveryRecordComesBackAsTheSameLine) {
  LineDecoder decoder;
  int64_t seq = 0;
  const std::string prev(64, 'f');
  for (const TimelineRecord& record : testing::sample_records()) {
    const RecordEnvelope envelope{seq, 1'000 * seq, source_of(record), kind_of(record), prev};
    ++seq;
    const std::string line = encode_line(envelope, record);
    ASSERT_TRUE(decoder.decode(line)) << line;
    EXPECT_EQ(decoder.record().index(), record.index()) << line;
    EXPECT_EQ(decoder.envelope().seq, envelope.seq);
    EXPECT_EQ(decoder.envelope().t_ns, envelope.t_ns);
    EXPECT_EQ(decoder.envelope().source, envelope.source);
    EXPECT_EQ(decoder.envelope().kind, envelope.kind);
    EXPECT_EQ(decoder.envelope().prev, envelope.prev);
    EXPECT_EQ(encode_line(decoder.envelope(), decoder.record()), line);
    const bool workload = source_of(record) == kWorkloadSource && !std::holds_alternative<UnknownRecord>(record);
    EXPECT_EQ(decoder.raw() == nullptr, workload) << "the fast path is for the workload's records only: " << line;
  }
}

TEST(RecordRoundTrip, DecodedFieldsAreTheWrittenOnes) {
  LineDecoder decoder;
  const WorkloadUnknown written{{3, "k-2", 2, 504, 537944, "HTTP 504: {\"error\":\"x\\y\"}"}};
  ASSERT_TRUE(decoder.decode(encode_line(RecordEnvelope{1, 2, "workload", "unknown", "p"}, written)));
  const auto& read = std::get<WorkloadUnknown>(decoder.record());
  EXPECT_EQ(read.key, "k-2");
  EXPECT_EQ(read.attempt, 2);
  EXPECT_EQ(read.latency_ns, 537944);
  EXPECT_EQ(read.error, "HTTP 504: {\"error\":\"x\\y\"}");

  const FaultApply apply{4, "network.delay", "role:a", "ledger-2", 99};
  ASSERT_TRUE(decoder.decode(encode_line(RecordEnvelope{1, 2, "fault", "apply", "p"}, apply)));
  const auto& fault = std::get<FaultApply>(decoder.record());
  EXPECT_EQ(fault.fault, 4);
  EXPECT_EQ(fault.target, "role:a");
  EXPECT_EQ(fault.scheduled_ns, 99);
}

// Records built by hand encode to lines taken from real runs (/work/baseline-runs, made by the
// build before the typed records), byte for byte.
TEST(RecordRoundTrip, HandBuiltRecordsGiveTheLinesOfARealRun) {
  namespace json = boost::json;
  const std::string applied =
      R"({"seq":8059,"t_ns":13543111651,"source":"fault","kind":"applied","fault":0,"fault_kind":"process.kill",)"
      R"("verified":true,"scheduled_ns":13540422872,"gap_ns":2622914,"evidence":{"node":"ledger-1","signal":"SIGKILL",)"
      R"("pid":12,"reaped":true},"error":"","prev":"ac66bf123280907d6085d2645463bdacdf236db98637fcc9a12caddfe25920ae"})";
  const json::object evidence{{"node", "ledger-1"}, {"signal", "SIGKILL"}, {"pid", 12}, {"reaped", true}};
  EXPECT_EQ(encode_line({8059, 13543111651, "fault", "applied",
                         "ac66bf123280907d6085d2645463bdacdf236db98637fcc9a12caddfe25920ae"},
                        FaultApplied{{0, "process.kill", true, 13540422872, 2622914, evidence, ""}}),
            applied);
  const std::string invoke =
      R"({"seq":25,"t_ns":540153993,"source":"workload","kind":"invoke","op":1,"key":"bdd732262feb6e95-0",)"
      R"("from":"acct-58","to":"acct-9","amount":25,"attempt":1,)"
      R"("prev":"2f4acf092da564e119ab89c7e9a65e5b9a3238d77a4fda25107baab548c5d973"})";
  EXPECT_EQ(encode_line({25, 540153993, "workload", "invoke",
                         "2f4acf092da564e119ab89c7e9a65e5b9a3238d77a4fda25107baab548c5d973"},
                        WorkloadInvoke{1, "bdd732262feb6e95-0", "acct-58", "acct-9", 25, 1}),
            invoke);
  const std::string stop =
      R"({"seq":687,"t_ns":6854220556,"source":"harness","kind":"stop_condition","guard":"error_ratio",)"
      R"("threshold":5E-1,"observed":1E0,"since_ns":4810459440,"for_ms":2000,)"
      R"x("reason":"stop condition error_ratio: 1.00 > 0.5 for 2s (tripped at 6.854s)",)x"
      R"("prev":"c7207dc7d97edae30b83a224d7c2ae1a6dabc6a848c639c8381809b2dec35a36"})";
  EXPECT_EQ(encode_line({687, 6854220556, "harness", "stop_condition",
                         "c7207dc7d97edae30b83a224d7c2ae1a6dabc6a848c639c8381809b2dec35a36"},
                        HarnessStopCondition{"error_ratio", json::value(0.5), json::value(1.0), 4810459440, 2000,
                                             "stop condition error_ratio: 1.00 > 0.5 for 2s (tripped at 6.854s)"}),
            stop);
  const std::string steady =
      R"({"seq":397,"t_ns":1140917919,"source":"harness","kind":"steady_state","steady":true,"ok":181,"fail":0,)"
      R"("unknown":0,"p99_ms":6.502038E0,"prev":"3c787e45eff144000f4d7e2df289c98863a4986026ba80e283382ce76400220a"})";
  EXPECT_EQ(encode_line({397, 1140917919, "harness", "steady_state",
                         "3c787e45eff144000f4d7e2df289c98863a4986026ba80e283382ce76400220a"},
                        HarnessSteadyState{true, 181, 0, 0, 6.502038}),
            steady);
}

}  // namespace
}  // namespace firedrill
