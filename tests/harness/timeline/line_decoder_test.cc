// The line decoder: its fast path reads a workload line exactly as boost::json does (or leaves
// it to boost::json), and lines of real runs decode and re-encode to the same bytes — the proof
// that the on-disk format is unchanged. FIREDRILL_TIMELINE_FILES (paths separated by ':') adds
// more timelines to that check, e.g. every /work/baseline-runs/*/timeline.jsonl.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "testing/prerequisite.h"
#include "timeline/line_decoder.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// The line decoded the slow way: boost::json and decode_record(), as every non-workload line.
std::string through_boost_json(const std::string& line) {
  json::value v = json::parse(line);
  const json::object& o = v.as_object();
  RecordEnvelope e;
  record_codec::read_value(o.if_contains("seq"), e.seq);
  record_codec::read_value(o.if_contains("t_ns"), e.t_ns);
  record_codec::read_value(o.if_contains("source"), e.source);
  record_codec::read_value(o.if_contains("kind"), e.kind);
  record_codec::read_value(o.if_contains("prev"), e.prev);
  return encode_line(e, decode_record(e.source, e.kind, o));
}

TEST(LineDecoder, FastPathReadsAsBoostJsonDoes) {
  const std::vector<std::string> lines = {
      R"({"seq":25,"t_ns":540153993,"source":"workload","kind":"invoke","op":1,"key":"bdd7-0","from":"acct-58","to":"acct-9","amount":25,"attempt":1,"prev":"2f4a"})",
      R"({"seq":26,"t_ns":541872725,"source":"workload","kind":"ok","op":1,"key":"bdd7-0","attempt":1,"status":201,"latency_ns":1707800,"prev":"edb6"})",
      R"({"seq":3371,"t_ns":8970479244,"source":"workload","kind":"unknown","op":1602,"key":"k","attempt":1,"status":504,"latency_ns":337943,"error":"HTTP 504: {\"error\":\"outcome_unknown\",\"m\":\"a\\b\/c\td\"}","prev":"6619"})",
      R"({"seq":8342,"t_ns":14396747731,"source":"workload","kind":"skipped","count":1,"in_flight_max":256,"next_n":4158,"prev":"4d87"})",
      // Whitespace, another order, missing and mistyped fields, negative numbers, null, booleans.
      R"(  { "kind" : "fail" , "source":"workload", "key":7, "t_ns":"soon", "latency_ns":null, "op":-3, "x":true, "y":false }  )",
      R"({"source":"workload","kind":"invoke","amount":-0})",                          // -0: boost's to read
      R"({"source":"workload","kind":"invoke","amount":1.5,"key":"k"})",                // a double
      R"({"source":"workload","kind":"invoke","amount":1e3,"key":"k"})",                // an exponent
      R"({"source":"workload","kind":"ok","latency_ns":123456789012345678901})",       // beyond int64
      R"({"source":"workload","kind":"ok","latency_ns":1234567890123456789})",         // 19 digits
      R"({"source":"workload","kind":"ok","key":"\u00e9t\u00e9"})",                     // \u escapes
      R"({"source":"workload","kind":"ok","key":"été"})",                               // UTF-8
      R"({"source":"workload","kind":"ok","key":"a","key":"b"})",                       // a repeated name
      R"({"source":"workload","kind":"ok","latency_ns":5,"nested":{"a":1}})",           // a nested value
      R"({"source":"workload","kind":"invoke","amount":007})",                          // not JSON
      R"({"source":"workload","kind":"later","key":"k"})",                              // an unknown kind
      R"({"seq":1,"source":"probe","kind":"health","node":"n","ok":true,"status":200,"latency_ns":1,"error":""})",
      R"({})",
  };
  LineDecoder decoder;
  for (const std::string& line : lines) {
    json::error_code ec;
    json::value parsed = json::parse(line, ec);
    const bool readable = !ec && parsed.is_object();
    ASSERT_EQ(decoder.decode(line), readable) << line;
    if (!readable) continue;
    EXPECT_EQ(encode_line(decoder.envelope(), decoder.record()), through_boost_json(line)) << line;
  }
}

TEST(LineDecoder, UnreadableLines) {
  LineDecoder decoder;
  for (const char* line : {"", "{", "[1,2]", "\"workload\"", R"({"source":"workload","kind":"ok")",
                           R"({"source":"workload","kind":"ok"} x)", "{\"source\":\"workload\",\"k\":\"a\x01\"}"}) {
    EXPECT_FALSE(decoder.decode(line)) << line;
  }
}

// Decodes every line of the timeline at `path` and re-encodes it: each must come back identical.
// Only a torn last line (an interrupted run) may be unreadable.
void expect_lines_round_trip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path;
  LineDecoder decoder;
  std::string line;
  int64_t number = 0, different = 0, unreadable_before_last = 0;
  bool last_unreadable = false;
  while (std::getline(in, line)) {
    ++number;
    if (last_unreadable) ++unreadable_before_last;
    last_unreadable = !decoder.decode(line);
    if (last_unreadable) continue;
    const std::string encoded = encode_line(decoder.envelope(), decoder.record());
    if (encoded != line && different++ == 0) {
      ADD_FAILURE() << path << ":" << number << ":\n  read    " << line << "\n  written " << encoded;
    }
  }
  EXPECT_EQ(different, 0) << path;
  EXPECT_EQ(unreadable_before_last, 0) << path;
  EXPECT_GT(number, 0) << path;
}

// real_lines.jsonl: two lines of each (source, kind, field set) of 16 real runs, plus every
// timeline.jsonl of the test run directories (tests/data/runs/*/).
TEST(LineDecoder, LinesOfRealRunsRoundTrip) {
  expect_lines_round_trip(FIREDRILL_TIMELINE_TEST_DATA "/real_lines.jsonl");
  std::error_code ec;
  for (const auto& run : std::filesystem::directory_iterator(FIREDRILL_RUNS_DIR, ec)) {
    const auto timeline = run.path() / "timeline.jsonl";
    if (std::filesystem::exists(timeline)) expect_lines_round_trip(timeline.string());
  }
}

// A check to run by hand over real run directories, not part of the suite:
//   FIREDRILL_TIMELINE_FILES=a/timeline.jsonl:b/timeline.jsonl build/bin/timeline_test --gtest_also_run_disabled_tests
TEST(LineDecoder, DISABLED_TimelinesNamedByTheEnvironmentRoundTrip) {
  const char* files = std::getenv("FIREDRILL_TIMELINE_FILES");
  FIREDRILL_REQUIRE(files && *files, "FIREDRILL_TIMELINE_FILES naming the timelines to check");
  std::stringstream list(files);
  for (std::string path; std::getline(list, path, ':');) {
    if (!path.empty()) expect_lines_round_trip(path);
  }
}

}  // namespace
}  // namespace firedrill
