// Tests of harness/evidence: the hash chain, the manifest, keys and DSSE signatures, `verify`
// (tampering every byte of the report, the timeline and an artifact), the auditor sections, and
// the report schema (reports/schema/report.v1.schema.json) checked with python3-jsonschema.
//
// The run directory is synthetic but real where it matters: its timeline is written by
// firedrill::Timeline, so the chain is the one a drill writes, and its report is the scorer's.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/sha256.h"
#include "evidence/auditor_sections.h"
#include "evidence/chain.h"
#include "evidence/manifest.h"
#include "evidence/signing.h"
#include "evidence/verify.h"
#include "harness/evidence/temp_files.h"
#include "scoring/scorer.h"
#include "testing/prerequisite.h"
#include "testing/read_file.h"
#include "timeline/timeline.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::read_file;

constexpr const char* kScenario = R"(# A synthetic drill for the evidence tests.
[drill]
name = "evidence-drill"
description = "SIGKILL the ledger primary."
seed = 7

[[fault]]
kind = "process.kill"
target = "role:ledger-primary"
at = "3s"

[objectives]
detect_within = "3s"
recover_within = "10s"
lost_payments_max = 0
)";

constexpr int kPayments = 12;

// Writes a small run directory like a drill's: scenario.toml, plan.txt, run.json, a timeline
// written by Timeline, exports/, logs/, clock/ and an empty volumes/ folder.
void write_run_dir(const fs::path& dir) {
  const std::string digest = sha256_hex(kScenario);
  write_all(dir / "scenario.toml", kScenario);
  write_all(dir / "plan.txt", "plan: evidence-drill\n  seed 7\n  +3s apply fault[0] process.kill\n");
  json::object run{
      {"schema", "firedrill.run/v1"},
      {"scenario", {{"name", "evidence-drill"}, {"description", "SIGKILL the ledger primary."},
                    {"digest", digest}, {"system", "refpay"}}},
      {"seed", 7},
      {"objectives", {{"detect_within_ms", 3000}, {"recover_within_ms", 10000}, {"lost_payments_max", 0},
                      {"duplicated_payments_max", nullptr}, {"availability_min", nullptr}, {"mtbf_ms", nullptr}}},
      {"steady_state", {{"success_ratio_min", 0.5}, {"latency_p99_max_ms", nullptr}, {"window_ms", 1000},
                        {"hold_ms", 0}, {"probe_interval_ms", 250}}},
      {"detection", {{"alerts", json::array{"LedgerPrimaryDown"}}, {"log_patterns", json::array{}},
                     {"probe_failures", 3}}},
      {"workload", {{"accounts", 4}, {"amount_max", 100}, {"rate_per_s", 100}, {"timeout_ms", 1000}, {"retries", 2}}},
      {"contract", {{"account_pattern", "acct-{i}"}, {"initial_balance", 1000}, {"key_field", "idempotency_key"},
                    {"from_field", "from"}, {"to_field", "to"}, {"amount_field", "amount"}}},
      {"phases", {{"baseline_ms", 1000}, {"fault_phase_ms", 3000}, {"convergence_ms", 1000}}},
      {"nodes", json::array{json::object{{"name", "ledger-1"}, {"export", true}, {"balances", false}},
                            json::object{{"name", "ledger-2"}, {"export", true}, {"balances", false}}}},
      {"faults", json::array{json::object{{"index", 0}, {"kind", "process.kill"}, {"target", "role:ledger-primary"},
                                          {"at_ms", 3000}, {"duration_ms", nullptr}}}},
  };
  write_all(dir / "run.json", json::serialize(run));

  auto timeline = Timeline::create((dir / kTimelineFile).string(),
                                   HarnessStart{.scenario = "evidence-drill",
                                                .scenario_digest = digest,
                                                .seed = 7,
                                                .pid = 1,
                                                .kernel = "Linux 6.1.0-test #1 SMP",
                                                .host = "drill-host",
                                                .user = "auditor",
                                                .uid = 1000,
                                                .user_namespace = true});
  ASSERT_TRUE(timeline) << timeline.status().message();
  Timeline& t = **timeline;
  t.write(HarnessPhase{.phase = "lab_up"});
  t.write(HarnessLab{.controller_address = "198.18.0.1",
                     .nodes = {{"ledger-1", "198.18.0.2"}, {"ledger-2", "198.18.0.3"}},
                     .alert_url = "http://198.18.0.1:9093/alerts"});
  t.write(HarnessPhase{.phase = "system_up"});
  t.write(HarnessPhase{.phase = "baseline"});
  std::string ledger;
  for (int i = 0; i < kPayments; ++i) {
    if (i == kPayments / 2) {
      t.write(HarnessPhase{.phase = "faults"});
      t.write(FaultRevertRegistered{.fault = 0, .fault_kind = "process.kill", .node = "ledger-1"});
      int64_t scheduled = t.now_ns();
      t.write(FaultApply{.fault = 0, .fault_kind = "process.kill", .target = "role:ledger-primary", .node = "ledger-1",
                         .scheduled_ns = scheduled});
      t.write(FaultApplied{{.fault = 0,
                            .fault_kind = "process.kill",
                            .verified = true,
                            .scheduled_ns = scheduled,
                            .gap_ns = t.now_ns() - scheduled,
                            .evidence = {{"node", "ledger-1"}, {"signal", "SIGKILL"}},
                            .error = ""}});
      t.write(AlertmanagerAlert{.status = "firing",
                                .alertname = "LedgerPrimaryDown",
                                .labels = {{"alertname", "LedgerPrimaryDown"}}});
    }
    const std::string key = "k-" + std::to_string(i);
    const std::string from = "acct-" + std::to_string(1 + i % 4), to = "acct-" + std::to_string(1 + (i + 1) % 4);
    t.write(WorkloadInvoke{.op = i, .key = key, .from = from, .to = to, .amount = 10 + i, .attempt = 1});
    t.write(WorkloadOk{{.op = i, .key = key, .attempt = 1, .status = 201, .latency_ns = 2000000}});
    ledger += json::serialize(json::object{{"idempotency_key", key}, {"from", from}, {"to", to}, {"amount", 10 + i}}) + "\n";
  }
  t.write(FaultRevert{.fault = 0, .fault_kind = "process.kill", .node = "ledger-1"});
  t.write(FaultReverted{{.fault = 0, .fault_kind = "process.kill", .verified = true, .error = ""}});
  t.write(HarnessPhase{.phase = "final_reads"});
  for (const char* node : {"ledger-1", "ledger-2"}) {
    write_all(dir / "exports" / (std::string(node) + ".ndjson"), ledger);
    t.write(HarnessFinalRead{.node = node, .ok = true, .path = std::string("exports/") + node + ".ndjson",
                             .sha256 = sha256_hex(ledger)});
  }
  t.write(HarnessPhase{.phase = "lab_down"});
  t.write(HarnessEnd{.end = "completed", .payments_ok = kPayments});
  ASSERT_TRUE(t.status());

  write_all(dir / "logs" / "ledger-1.err", "ledger-1: listening on 198.18.0.2:7001\nledger-1: primary, epoch 1\n");
  write_all(dir / "logs" / "ledger-1.out", "");
  write_all(dir / "logs" / "gateway.err", "gateway: up\n");
  write_all(dir / "clock" / "ledger-1.faketime", "+0\n");
  write_all(dir / "summary.txt", "drill evidence-drill (seed 7): completed\n");
  fs::create_directories(dir / kVolumesDir / "ledger-1");
}

HostFacts fixed_host() {
  HostFacts host;
  host.kernel = "Linux 6.1.0-test #1 SMP";
  host.machine = "x86_64";
  host.hostname = "drill-host";
  host.user = "auditor";
  host.uid = 1000;
  host.user_namespace = true;
  host.netem = false;
  return host;
}

// The report the owner's `run` writes: the scorer's, plus the auditor sections and the evidence.
json::object make_report(const fs::path& dir) {
  auto data = read_run_dir(dir.string());
  EXPECT_TRUE(data) << data.status().message();
  json::object report = score(*data);
  for (auto& [key, value] : auditor_sections(dir.string(), data->run, data->timeline, fixed_host(), data->workload.size())) {
    EXPECT_FALSE(report.contains(key)) << key << ": the auditor sections must only add keys";
    report[key] = value;
  }
  report["evidence"] = make_manifest(dir.string());
  return report;
}

// A signed run directory and a key pair outside it.
class EvidenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    run_ = temp_.path() / "run";
    keys_ = temp_.path() / "keys";
    write_run_dir(run_);
    report_ = make_report(run_);
    ASSERT_TRUE(write_report(run_.string(), report_));
    auto pair = keygen(keys_.string());
    ASSERT_TRUE(pair) << pair.status().message();
    pair_ = *pair;
    auto keyid = sign_run(run_.string(), pair_.secret_key_path);
    ASSERT_TRUE(keyid) << keyid.status().message();
    ASSERT_EQ(*keyid, pair_.keyid);
  }

  VerifyResult verify() { return verify_run(run_.string(), pair_.public_key_path); }

  // Flips each byte at `positions` of `file` in turn (XOR `mask`), verifies, and restores it.
  // `expect` checks the problems of each flip.
  template <typename Expect>
  void flip_each(const fs::path& file, const std::vector<std::size_t>& positions, unsigned char mask, Expect expect) {
    std::string bytes = read_file(file);
    std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(io);
    for (std::size_t at : positions) {
      ASSERT_LT(at, bytes.size());
      io.seekp(static_cast<std::streamoff>(at));
      io.put(static_cast<char>(bytes[at] ^ mask));
      io.flush();
      VerifyResult r = verify();
      EXPECT_FALSE(r.ok) << file.filename() << " byte " << at << " flipped, yet verified";
      expect(at, r);
      io.seekp(static_cast<std::streamoff>(at));
      io.put(bytes[at]);
      io.flush();
    }
    ASSERT_EQ(read_file(file), bytes);
  }

  TempDir temp_;
  fs::path run_, keys_;
  json::object report_;
  KeyPair pair_;
};

bool mentions(const VerifyResult& r, const std::string& text) {
  for (const auto& p : r.problems) {
    if (p.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string all(const VerifyResult& r) { return r.text(); }

std::vector<std::size_t> every_position(std::size_t size) {
  std::vector<std::size_t> out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = i;
  return out;
}

// ---- the chain -----------------------------------------------------------------------------

TEST_F(EvidenceTest, ChainOfARealTimelineHolds) {
  const std::string path = (run_ / kTimelineFile).string();
  EXPECT_TRUE(check_chain(path)) << check_chain(path).message();
  std::string text = read_file(path);
  std::string first = text.substr(0, text.find('\n'));
  EXPECT_NE(first.find("\"prev\":\"" + kChainGenesis + "\""), std::string::npos);
  std::string last = text.substr(text.rfind('\n', text.size() - 2) + 1);
  last.pop_back();
  EXPECT_EQ(chain_head(path), sha256_hex(last));
  EXPECT_EQ(chain_head(path), report_.at("evidence").at("timeline_chain_head").as_string());
  EXPECT_EQ(chain_head((run_ / "absent.jsonl").string()), "");
  EXPECT_FALSE(check_chain((run_ / "absent.jsonl").string()));
  EXPECT_NE(check_chain((run_ / "absent.jsonl").string()).message().find("absent.jsonl: unreadable"), std::string::npos);
}

TEST_F(EvidenceTest, ChainNamesARemovedRecord) {
  const fs::path path = run_ / kTimelineFile;
  std::string text = read_file(path);
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string without;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i != 5) without += lines[i] + "\n";
  }
  write_all(path, without);
  Status s = check_chain(path.string());
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("timeline.jsonl: record 5 (line 6): prev does not match the previous line"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("removed, inserted or reordered"), std::string::npos) << s.message();
}

// ---- verify: untouched, unsigned, keys -----------------------------------------------------

TEST_F(EvidenceTest, UntouchedRunDirectoryVerifies) {
  VerifyResult r = verify();
  EXPECT_TRUE(r.ok) << all(r);
  EXPECT_TRUE(r.status()) << r.status().message();
  EXPECT_TRUE(r.signed_);
  EXPECT_TRUE(r.signature_checked);
  EXPECT_EQ(r.keyid, pair_.keyid);
  EXPECT_GT(r.artifacts, 8);
  EXPECT_NE(r.text().find("signature verified"), std::string::npos) << r.text();
  // Without the key: still ok, but the text says the signature was not checked.
  VerifyResult keyless = verify_run(run_.string());
  EXPECT_TRUE(keyless.ok) << all(keyless);
  EXPECT_FALSE(keyless.signature_checked);
  EXPECT_NE(keyless.text().find("NOT checked"), std::string::npos);
  EXPECT_TRUE(check_manifest(run_.string(), report_.at("evidence").as_object()));
}

TEST_F(EvidenceTest, ManifestListsEveryArtifactButTheReportSignaturesAndVolumes) {
  std::vector<std::string> paths;
  for (const auto& a : report_.at("evidence").at("artifacts").as_array()) {
    paths.push_back(std::string(a.at("path").as_string()));
    EXPECT_EQ(a.at("sha256").as_string(), sha256_hex(read_file(run_ / std::string(a.at("path").as_string()))));
    EXPECT_EQ(a.at("bytes").as_int64(), static_cast<int64_t>(fs::file_size(run_ / std::string(a.at("path").as_string()))));
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"clock/ledger-1.faketime", "exports/ledger-1.ndjson", "exports/ledger-2.ndjson",
                                             "logs/gateway.err", "logs/ledger-1.err", "logs/ledger-1.out", "plan.txt",
                                             "run.json", "scenario.toml", "summary.txt", "timeline.jsonl"}));
  EXPECT_EQ(report_.at("evidence").at("algorithm"), "sha256");
  // Files in volumes/ and further signatures are never artifacts.
  write_all(run_ / kVolumesDir / "ledger-1" / "data.db", "node data");
  write_all(run_ / "other.dsse.json", "{}");
  EXPECT_TRUE(verify().ok) << all(verify());
}

TEST_F(EvidenceTest, UnsignedRunDirectorySaysUnsigned) {
  fs::remove(run_ / kSignatureFile);
  VerifyResult r = verify_run(run_.string());
  EXPECT_TRUE(r.ok) << all(r);
  EXPECT_FALSE(r.signed_);
  EXPECT_NE(r.text().find("unsigned"), std::string::npos) << r.text();
  // A key given for an unsigned report is a failure: the auditor expected a signature.
  VerifyResult keyed = verify();
  EXPECT_FALSE(keyed.ok);
  EXPECT_TRUE(mentions(keyed, "report.dsse.json: missing")) << all(keyed);
}

TEST_F(EvidenceTest, WrongPublicKeyFailsSayingSo) {
  auto other = keygen((temp_.path() / "other-keys").string());
  ASSERT_TRUE(other);
  VerifyResult r = verify_run(run_.string(), other->public_key_path);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.signature_checked);
  EXPECT_TRUE(mentions(r, "wrong key")) << all(r);
  EXPECT_TRUE(mentions(r, pair_.keyid)) << all(r);
  EXPECT_FALSE(r.status());
  EXPECT_NE(r.status().message().find("wrong key"), std::string::npos);
}

TEST_F(EvidenceTest, AlteredSignatureFails) {
  const fs::path envelope = run_ / kSignatureFile;
  json::object e = json::parse(read_file(envelope)).as_object();
  std::string sig(e["signatures"].as_array()[0].as_object()["sig"].as_string());
  sig[3] = sig[3] == 'A' ? 'B' : 'A';
  e["signatures"].as_array()[0].as_object()["sig"] = sig;
  write_all(envelope, json::serialize(e));
  VerifyResult r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(mentions(r, "report.dsse.json: signature does not verify")) << all(r);
}

TEST_F(EvidenceTest, KeysAreHexAndTheSecretKeyIsPrivate) {
  struct stat st {};
  ASSERT_EQ(stat(pair_.secret_key_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_file(pair_.secret_key_path).size(), 129u);  // 64 bytes in hex and a newline
  auto pub = read_public_key(pair_.public_key_path);
  ASSERT_TRUE(pub);
  EXPECT_EQ(pub->size(), 32u);
  EXPECT_EQ(key_id(*pub), pair_.keyid);
  EXPECT_EQ(pair_.keyid.size(), 16u);
  // Never overwrites a key.
  auto again = keygen(keys_.string());
  ASSERT_FALSE(again);
  EXPECT_NE(again.status().message().find("not overwritten"), std::string::npos) << again.status().message();
  EXPECT_FALSE(read_public_key(pair_.secret_key_path));  // a secret key is not a public key
}

TEST_F(EvidenceTest, EnvelopeIsDsseOverTheExactReportBytes) {
  // The DSSE specification's example of the pre-authentication encoding.
  EXPECT_EQ(dsse_pae("http://example.com/HelloWorld", "hello world"),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  auto envelope = parse_envelope(read_file(run_ / kSignatureFile));
  ASSERT_TRUE(envelope) << envelope.status().message();
  EXPECT_EQ(envelope->payload_type, "application/vnd.firedrill.report+json");
  EXPECT_EQ(envelope->payload, read_file(run_ / kReportFile));
  EXPECT_EQ(envelope->payload, report_bytes(report_));
  ASSERT_EQ(envelope->signatures.size(), 1u);
  EXPECT_EQ(envelope->signatures[0].keyid, pair_.keyid);
  EXPECT_EQ(envelope->signatures[0].sig.size(), 64u);
}

TEST_F(EvidenceTest, SigningRefusesAReportWithoutEvidenceOrWithAStaleOne) {
  json::object bare = report_;
  bare.erase("evidence");
  ASSERT_TRUE(write_report(run_.string(), bare));
  auto signed_ = sign_run(run_.string(), pair_.secret_key_path);
  ASSERT_FALSE(signed_);
  EXPECT_NE(signed_.status().message().find("no \"evidence\" manifest"), std::string::npos);
  // Nor signs a manifest the files no longer match.
  ASSERT_TRUE(write_report(run_.string(), report_));
  write_all(run_ / "logs" / "late.txt", "written after the manifest\n");
  signed_ = sign_run(run_.string(), pair_.secret_key_path);
  ASSERT_FALSE(signed_);
  EXPECT_NE(signed_.status().message().find("logs/late.txt: extra"), std::string::npos) << signed_.status().message();
}

// ---- tampering -----------------------------------------------------------------------------

TEST_F(EvidenceTest, EveryByteOfTheReportIsProtected) {
  const fs::path file = run_ / kReportFile;
  std::size_t size = fs::file_size(file);
  ASSERT_GT(size, 4000u);
  // Every byte of the first 1024 (verdict, scenario digest, failures, the faults' numbers) and
  // every third byte of the rest; each verify takes about half a millisecond.
  std::vector<std::size_t> positions;
  for (std::size_t at = 0; at < size; at += at < 1024 ? 1 : 3) positions.push_back(at);
  positions.push_back(size - 1);  // the final newline
  flip_each(file, positions, 0x01, [&](std::size_t at, const VerifyResult& r) {
    EXPECT_TRUE(mentions(r, "report.json: altered")) << "byte " << at << ":\n" << all(r);
  });
}

TEST_F(EvidenceTest, EveryByteOfAnArtifactIsProtected) {
  for (const char* name : {"exports/ledger-1.ndjson", "run.json"}) {
    const fs::path file = run_ / name;
    for (unsigned char mask : {0x01, 0x80}) {
      flip_each(file, every_position(fs::file_size(file)), mask, [&](std::size_t at, const VerifyResult& r) {
        EXPECT_TRUE(mentions(r, std::string(name) + ": altered")) << "byte " << at << ":\n" << all(r);
        EXPECT_EQ(r.problems.size(), 1u) << all(r);
      });
    }
  }
}

TEST_F(EvidenceTest, TimelineFlipsNameTheRecord) {
  const fs::path file = run_ / kTimelineFile;
  const std::string text = read_file(file);
  // Line starts, to know which record each byte belongs to.
  std::vector<std::size_t> starts{0};
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] == '\n') starts.push_back(i + 1);
  }
  auto record_of = [&](std::size_t at) {
    return static_cast<int64_t>(std::upper_bound(starts.begin(), starts.end(), at) - starts.begin()) - 1;
  };
  // Every byte of the first two records and of the last two (prev fields, seq, the newline, the
  // last record that only the manifest's chain head protects), and 600 spread over the rest.
  std::vector<std::size_t> positions;
  for (std::size_t at = 0; at < starts[2]; ++at) positions.push_back(at);
  for (std::size_t at = starts[starts.size() - 2]; at < text.size(); ++at) positions.push_back(at);
  const std::size_t middle = starts[starts.size() - 2] - starts[2];
  for (std::size_t k = 0; k < 600; ++k) positions.push_back(starts[2] + k * middle / 600);
  ASSERT_GT(text.size(), 5000u);
  for (unsigned char mask : {0x01, 0x20}) {
    flip_each(file, positions, mask, [&](std::size_t at, const VerifyResult& r) {
      const int64_t record = record_of(at);
      EXPECT_TRUE(mentions(r, "timeline.jsonl: altered")) << "byte " << at << ":\n" << all(r);
      const std::string named = "record " + std::to_string(record) + " (line " + std::to_string(record + 1) + ")";
      EXPECT_TRUE(mentions(r, named)) << "byte " << at << " of record " << record << ":\n" << all(r);
    });
  }
}

TEST_F(EvidenceTest, ExtraAndMissingArtifactsAreNamed) {
  write_all(run_ / "logs" / "injected.txt", "not from the drill\n");
  fs::remove(run_ / "logs" / "gateway.err");
  VerifyResult r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(mentions(r, "logs/injected.txt: extra")) << all(r);
  EXPECT_TRUE(mentions(r, "logs/gateway.err: missing")) << all(r);
  EXPECT_EQ(r.problems.size(), 2u) << all(r);
  Status s = check_manifest(run_.string(), report_.at("evidence").as_object());
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("logs/injected.txt: extra"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("logs/gateway.err: missing"), std::string::npos) << s.message();
}

TEST_F(EvidenceTest, EveryFailureIsListed) {
  // A report edited to match an edited artifact: the signed manifest still names the artifact.
  write_all(run_ / "summary.txt", "drill evidence-drill (seed 7): completed, nothing to see\n");
  json::object forged = report_;
  for (auto& a : forged["evidence"].as_object()["artifacts"].as_array()) {
    if (a.at("path").as_string() == "summary.txt") a.as_object()["sha256"] = sha256_hex(read_file(run_ / "summary.txt"));
  }
  ASSERT_TRUE(write_report(run_.string(), forged));
  VerifyResult r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(mentions(r, "report.json: altered")) << all(r);
  EXPECT_TRUE(mentions(r, "summary.txt: altered")) << all(r);
  EXPECT_EQ(r.problems.size(), 2u) << all(r);
}

// ---- auditor sections ----------------------------------------------------------------------

TEST_F(EvidenceTest, AuditorSectionsDescribeTheDrill) {
  const json::object& scope = report_.at("scope").as_object();
  EXPECT_EQ(scope.at("system"), "refpay");
  EXPECT_EQ(scope.at("tool").at("name"), "firedrill");
  EXPECT_EQ(scope.at("tool").at("version"), "0.1.0");
  EXPECT_EQ(tool_version(), "firedrill 0.1.0");
  EXPECT_EQ(scope.at("host").at("kernel"), "Linux 6.1.0-test #1 SMP");
  const json::array& nodes = scope.at("topology").at("nodes").as_array();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0], (json::object{{"name", "ledger-1"}, {"address", "198.18.0.2"}}));

  const json::object& frozen = report_.at("objectives_frozen").as_object();
  auto data = read_run_dir(run_.string());
  EXPECT_EQ(frozen.at("objectives"), data->run.at("objectives"));
  EXPECT_EQ(frozen.at("run_json_sha256"), json::value(sha256_hex(read_file(run_ / "run.json"))));

  const json::object& method = report_.at("method").as_object();
  EXPECT_EQ(method.at("scenario").at("text"), kScenario);
  EXPECT_EQ(method.at("scenario").at("sha256"), json::value(sha256_hex(kScenario)));
  EXPECT_EQ(method.at("scenario").at("matches_run"), true);
  EXPECT_EQ(method.at("seed"), 7);

  const json::object& pre = report_.at("preconditions").as_object();
  EXPECT_EQ(pre.at("held"), true);
  EXPECT_TRUE(pre.at("baseline").is_object());

  const json::object& timeline = report_.at("timeline").as_object();
  EXPECT_EQ(timeline.at("chain_head"), json::value(chain_head((run_ / kTimelineFile).string())));
  EXPECT_EQ(timeline.at("records"), static_cast<int64_t>(data->timeline.size() + data->workload.size()));
  const std::string anchor(timeline.at("utc_anchor").as_string());
  const json::object& first_phase = timeline.at("phases").as_array()[0].as_object();
  EXPECT_EQ(first_phase.at("phase"), "lab_up");
  // The first phase is microseconds after the anchor: the same second.
  EXPECT_EQ(std::string(first_phase.at("utc").as_string()).substr(0, 19), anchor.substr(0, 19));

  const json::object& deviations = report_.at("deviations").as_object();
  ASSERT_EQ(deviations.at("injection_gaps").as_array().size(), 1u);
  EXPECT_EQ(deviations.at("injection_gaps").as_array()[0].at("node"), "ledger-1");
  EXPECT_EQ(deviations.at("injection_gaps").as_array()[0].at("verified"), true);
  EXPECT_EQ(deviations.at("none"), true);
  EXPECT_EQ(deviations.at("interrupted"), false);

  bool netem_named = false;
  for (const auto& l : report_.at("limitations").as_array()) {
    netem_named = netem_named || std::string(l.as_string()).find("no netem") != std::string::npos;
  }
  EXPECT_TRUE(netem_named);

  const json::object& who = report_.at("who").as_object();
  EXPECT_EQ(who.at("user"), "auditor");
  EXPECT_EQ(who.at("uid"), 1000);
  EXPECT_EQ(who.at("user_namespace"), true);
  EXPECT_EQ(who.at("started_utc"), json::value(anchor));
}

TEST(HostFacts, OfThisProcess) {
  HostFacts host = current_host_facts();
  EXPECT_EQ(host.kernel.rfind("Linux ", 0), 0u) << host.kernel;
  EXPECT_FALSE(host.hostname.empty());
  EXPECT_GE(host.uid, 0);
  EXPECT_FALSE(host.netem.has_value());
}

// ---- the schema ----------------------------------------------------------------------------

bool python_has_jsonschema() { return std::system("python3 -c 'import jsonschema' >/dev/null 2>&1") == 0; }

// Validates each instance against the report schema with python3-jsonschema, in one python
// process; returns, per instance, its errors ("" when valid).
std::map<std::string, std::string> validate(const std::map<std::string, json::object>& instances, const fs::path& dir) {
  const std::string script =
      "import json, sys, jsonschema\n"
      "schema = json.load(open(sys.argv[1]))\n"
      "cls = jsonschema.validators.validator_for(schema)\n"
      "cls.check_schema(schema)\n"
      "validator = cls(schema, format_checker=jsonschema.FormatChecker())\n"
      "for name in sys.argv[2:]:\n"
      "    for e in validator.iter_errors(json.load(open(name))):\n"
      "        print(name + '\\t' + '/'.join(map(str, e.absolute_path)) + ': ' + e.message)\n";
  write_all(dir / "validate.py", script);
  std::string command = "python3 " + (dir / "validate.py").string() + " " FIREDRILL_REPORT_SCHEMA;
  for (const auto& [name, instance] : instances) {
    write_all(dir / (name + ".json"), json::serialize(instance));
    command += " " + (dir / (name + ".json")).string();
  }
  const fs::path out = dir / "validate.out";
  command += " >" + out.string() + " 2>&1";
  std::map<std::string, std::string> errors;
  for (const auto& [name, instance] : instances) errors[name] = "";
  if (std::system(command.c_str()) != 0) {
    errors["python"] = read_file(out);
    return errors;
  }
  std::istringstream lines(read_file(out));
  for (std::string line; std::getline(lines, line);) {
    const std::string file = line.substr(0, line.find('\t'));
    errors[fs::path(file).stem().string()] += line.substr(line.find('\t') + 1) + "\n";
  }
  return errors;
}

// The schemas that describe one value: `node` with its $ref, allOf and non-null anyOf followed.
void describing(const json::object& node, const json::object& root, std::vector<const json::object*>& out) {
  const json::object* schema = &node;
  if (const json::value* ref = schema->if_contains("$ref")) {
    std::string name(ref->as_string());
    schema = &root.at("$defs").at(name.substr(name.rfind('/') + 1)).as_object();
  }
  out.push_back(schema);
  for (const char* combinator : {"allOf", "anyOf"}) {
    if (const json::value* list = schema->if_contains(combinator)) {
      for (const auto& s : list->as_array()) describing(s.as_object(), root, out);
    }
  }
}

// Keys of `instance` that the schema does not describe (a drift check: the schema allows unknown
// keys for forward compatibility, so validation alone would not notice a key the scorer adds).
void undocumented(const json::value& instance, const json::object& node, const json::object& root,
                  const std::string& path, std::vector<std::string>& out) {
  std::vector<const json::object*> schemas;
  describing(node, root, schemas);
  if (instance.is_object()) {
    std::map<std::string, const json::object*> properties;
    for (const json::object* s : schemas) {
      if (const json::value* props = s->if_contains("properties")) {
        for (const auto& [key, sub] : props->as_object()) properties.emplace(std::string(key), &sub.as_object());
      }
    }
    if (properties.empty()) return;  // a free-form object ("objectives" copied from run.json)
    for (const auto& [key, value] : instance.as_object()) {
      auto found = properties.find(std::string(key));
      if (found == properties.end()) out.push_back(path + "/" + std::string(key));
      else undocumented(value, *found->second, root, path + "/" + std::string(key), out);
    }
  } else if (instance.is_array()) {
    for (const json::object* s : schemas) {
      if (const json::value* items = s->if_contains("items")) {
        for (const auto& v : instance.as_array()) undocumented(v, items->as_object(), root, path + "[]", out);
        return;
      }
    }
  }
}

TEST_F(EvidenceTest, ReportsValidateAgainstTheSchema) {
  FIREDRILL_REQUIRE(python_has_jsonschema(), "python3 with jsonschema (Debian: python3-jsonschema)");
  std::map<std::string, json::object> instances;
  // (a) the scorer's report with the evidence and the auditor sections, as `run` writes it; the
  // scorer's report alone (as `score` wrote it before the evidence existed); a failed drill
  // (interrupted: no end record, and nothing exported).
  instances["full"] = report_;
  auto data = read_run_dir(run_.string());
  instances["scorer_only"] = score(*data);
  RunData broken = *data;
  broken.timeline.pop_back();
  broken.exports.clear();
  instances["inconclusive"] = score(broken);
  EXPECT_EQ(instances["inconclusive"].at("verdict"), "inconclusive");
  // (b) invalid reports, which must fail.
  instances["no_verdict"] = report_;
  instances["no_verdict"].erase("verdict");
  instances["wrong_exit_code"] = report_;
  instances["wrong_exit_code"]["exit_code"] = 2;  // a pass with the exit code of a safety failure
  instances["bad_chain_head"] = report_;
  instances["bad_chain_head"]["evidence"].as_object()["timeline_chain_head"] = "not a digest";
  instances["no_scope_tool"] = report_;
  instances["no_scope_tool"]["scope"].as_object().erase("tool");

  std::map<std::string, std::string> errors = validate(instances, temp_.path());
  ASSERT_EQ(errors.count("python"), 0u) << errors["python"];
  for (const char* valid : {"full", "scorer_only", "inconclusive"}) EXPECT_EQ(errors[valid], "") << valid;
  EXPECT_NE(errors["no_verdict"].find("'verdict' is a required property"), std::string::npos) << errors["no_verdict"];
  EXPECT_NE(errors["wrong_exit_code"].find("exit_code"), std::string::npos) << errors["wrong_exit_code"];
  EXPECT_NE(errors["bad_chain_head"].find("evidence/timeline_chain_head"), std::string::npos) << errors["bad_chain_head"];
  EXPECT_NE(errors["no_scope_tool"].find("'tool' is a required property"), std::string::npos) << errors["no_scope_tool"];
}

TEST_F(EvidenceTest, SchemaDescribesEveryKeyOfTheReport) {
  json::object schema = json::parse(read_file(FIREDRILL_REPORT_SCHEMA)).as_object();
  std::vector<std::string> out;
  undocumented(report_, schema, schema, "", out);
  std::string list;
  for (const auto& k : out) list += k + " ";
  EXPECT_TRUE(out.empty()) << "keys missing from reports/schema/report.v1.schema.json: " << list;
}

}  // namespace
}  // namespace firedrill
