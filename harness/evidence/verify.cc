// `verify`; see verify.h.
#include "evidence/verify.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "evidence/chain.h"
#include "evidence/manifest.h"
#include "evidence/signing.h"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace firedrill {
namespace {

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::optional<json::object> parse_object(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

// The first byte where `a` and `b` differ (or where the shorter ends).
std::size_t first_difference(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

// (c) and (d): the envelope against report.json and the public key. Returns the signed report,
// when the payload is one.
std::optional<json::object> check_signature(const fs::path& dir, const std::optional<std::string>& report,
                                            const std::optional<std::string>& public_key_path, VerifyResult& r) {
  const std::string envelope_name = kSignatureFile;
  std::error_code ec;
  r.signed_ = fs::exists(dir / kSignatureFile, ec);
  if (!r.signed_) {
    if (public_key_path) {
      r.problems.push_back(envelope_name + ": missing: the report is unsigned, but a public key was given");
    }
    return std::nullopt;
  }
  auto text = read_file(dir / kSignatureFile);
  if (!text) {
    r.problems.push_back(envelope_name + ": unreadable: " + std::strerror(errno));
    return std::nullopt;
  }
  auto envelope = parse_envelope(*text);
  if (!envelope) {
    r.problems.push_back(envelope_name + ": malformed: " + envelope.status().message());
    return std::nullopt;
  }
  if (!envelope->signatures.empty()) r.keyid = envelope->signatures.front().keyid;
  if (envelope->payload_type != kReportPayloadType) {
    r.problems.push_back(envelope_name + ": payloadType is \"" + envelope->payload_type + "\", expected \"" +
                         kReportPayloadType + "\"");
  }
  if (report && *report != envelope->payload) {
    r.problems.push_back(std::string(kReportFile) + ": altered (differs from the signed payload in " + envelope_name +
                         " at byte " + std::to_string(first_difference(*report, envelope->payload)) + ")");
  }
  if (public_key_path) {
    auto public_key = read_public_key(*public_key_path);
    if (!public_key) {
      r.problems.push_back("public key " + public_key.status().message());
    } else if (envelope_verifies(*envelope, *public_key)) {
      r.signature_checked = true;
    } else {
      const std::string given = key_id(*public_key);
      bool known = false;
      for (const auto& s : envelope->signatures) known = known || s.keyid == given;
      r.problems.push_back(
          known ? envelope_name + ": signature does not verify with " + *public_key_path + " (keyid " + given +
                      "): the signature or the signed payload was altered"
                : envelope_name + ": signature does not verify with " + *public_key_path + ": wrong key (keyid " +
                      given + "; the report was signed by keyid " + r.keyid + ")");
    }
  }
  return parse_object(envelope->payload);
}

// (b) and the chain head: the files against the manifest.
void check_evidence(const fs::path& dir, const json::object& report, const ChainWalk& walk, VerifyResult& r) {
  const json::value* evidence = report.if_contains("evidence");
  if (!evidence || !evidence->is_object()) {
    r.problems.push_back(std::string(kReportFile) + ": no \"evidence\" manifest: the artifacts cannot be checked");
    return;
  }
  const json::object& manifest = evidence->as_object();
  if (const json::value* list = manifest.if_contains("artifacts"); list && list->is_array()) {
    r.artifacts = static_cast<int64_t>(list->as_array().size());
  }
  for (auto& p : manifest_problems(dir.string(), manifest)) r.problems.push_back(std::move(p));
  const json::value* head = manifest.if_contains("timeline_chain_head");
  if (!head || !head->is_string()) {
    r.problems.push_back("evidence: no timeline_chain_head");
  } else if (head->as_string() != walk.head) {
    const std::string last = std::to_string(walk.records - 1);
    r.problems.push_back(std::string(kTimelineFile) + ": chain head " + walk.head.substr(0, 16) +
                         "… differs from the manifest's " + std::string(head->as_string()).substr(0, 16) +
                         "…: record " + last + " (line " + std::to_string(walk.records) +
                         "), the last, was altered, or records were added or removed at the end");
  }
}

VerifyResult verify_or_throw(const std::string& run_dir, const std::optional<std::string>& public_key_path) {
  VerifyResult r;
  const fs::path dir(run_dir);
  if (!fs::is_directory(dir)) {
    r.problems.push_back(run_dir + ": not a run directory");
    return r;
  }
  // (a) the chain.
  ChainWalk walk = walk_chain((dir / kTimelineFile).string());
  r.chain_head = walk.head;
  r.records = walk.records;
  if (!walk.status) r.problems.push_back(walk.status.message());

  // (c), (d), and which manifest to trust.
  std::optional<std::string> report_text = read_file(dir / kReportFile);
  if (!report_text) r.problems.push_back(std::string(kReportFile) + ": missing or unreadable");
  std::optional<json::object> report = check_signature(dir, report_text, public_key_path, r);
  if (!report && report_text) {
    report = parse_object(*report_text);
    if (!report && !r.signed_) r.problems.push_back(std::string(kReportFile) + ": not a JSON object");
  }

  // (b) the artifacts.
  if (report) check_evidence(dir, *report, walk, r);
  r.ok = r.problems.empty();
  return r;
}

}  // namespace

VerifyResult verify_run(const std::string& run_dir, const std::optional<std::string>& public_key_path) {
  try {
    return verify_or_throw(run_dir, public_key_path);
  } catch (const std::exception& e) {
    // A checker that fails must never let evidence pass.
    VerifyResult r;
    r.problems.push_back(run_dir + ": verify failed: " + e.what());
    return r;
  }
}

Status VerifyResult::status() const {
  if (ok) return Status::ok();
  std::string message = "verify: " + std::to_string(problems.size()) + " problem" + (problems.size() == 1 ? "" : "s");
  for (const auto& p : problems) message += "\n  " + p;
  return Status::error(message);
}

std::string VerifyResult::text() const {
  std::ostringstream out;
  out << (ok ? "verified" : "NOT VERIFIED") << ": timeline " << records << " records, chain head "
      << chain_head << "; " << artifacts << " artifacts in the manifest; ";
  if (!signed_) {
    out << "unsigned (only the chain and the artifact digests were checked; report.json itself is not protected)";
  } else if (signature_checked) {
    out << "signed by keyid " << keyid << ", signature verified";
  } else {
    out << "signed by keyid " << keyid << ", signature NOT checked (give the public key with --pubkey)";
  }
  out << "\n";
  for (const auto& p : problems) out << "  ✗ " << p << "\n";
  return out.str();
}

}  // namespace firedrill
