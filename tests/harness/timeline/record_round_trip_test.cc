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

}  // namespace
}  // namespace firedrill
