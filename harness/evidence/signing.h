// Signed reports (DESIGN.md §6): an Ed25519 key pair (libsodium), and report.json signed in one
// shot inside a DSSE envelope, report.dsse.json, beside it:
//
//   {"payloadType": "application/vnd.firedrill.report+json",
//    "payload": "<base64 of the exact bytes of report.json>",
//    "signatures": [{"keyid": "<hex of the first 8 bytes of SHA-256(public key)>",
//                    "sig": "<base64 of the 64-byte Ed25519 signature>"}]}
//
// The signature covers DSSE's pre-authentication encoding, PAE = "DSSEv1" SP len(type) SP type
// SP len(payload) SP payload (lengths in ASCII decimal), which binds the payload type too.
//
// The canonical report bytes, i.e. the payload, are the exact bytes of report.json, which the
// harness writes as boost::json::serialize(report) + "\n" (report_bytes below): compact, keys in
// the order the report was built, numbers as Boost.JSON prints them. They are signed as they are
// on disk, never re-serialised from a parse: Boost.JSON 1.81 does not parse every printed double
// back to the same double (9.705590271428571E4 reads back as …572E4; about a fifth of random
// doubles differ), so a re-serialisation is not the same bytes. An auditor checks the payload
// with any tool: `jq -r .payload report.dsse.json | base64 -d | cmp - report.json`.
//
// Key files are lowercase hex and a newline: the secret key file holds libsodium's 64-byte
// secret key (seed ‖ public key) and is created with mode 0600; the public key file holds the
// 32-byte public key. Nothing here keeps a key in memory after the call returns.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace firedrill {

inline constexpr const char* kReportPayloadType = "application/vnd.firedrill.report+json";
inline constexpr const char* kSignatureFile = "report.dsse.json";
inline constexpr const char* kSecretKeyFile = "firedrill.key";
inline constexpr const char* kPublicKeyFile = "firedrill.pub";

// The bytes of report.json for `report`: boost::json::serialize(report) + "\n".
std::string report_bytes(const boost::json::object& report);

// Writes report_bytes(report) to run_dir/report.json (a temporary file, then a rename).
Status write_report(const std::string& run_dir, const boost::json::object& report);

// DSSE's pre-authentication encoding of (type, payload): what the signature covers.
std::string dsse_pae(std::string_view payload_type, std::string_view payload);

// The key id of a 32-byte Ed25519 public key: hex of the first 8 bytes of its SHA-256.
std::string key_id(const std::string& public_key);

// Where keygen wrote a key pair.
struct KeyPair {
  std::string secret_key_path;
  std::string public_key_path;
  std::string keyid;
};

// Generates an Ed25519 key pair into the two files; refuses to overwrite either.
Result<KeyPair> keygen(const std::string& secret_key_path, const std::string& public_key_path);
// The same into `dir` (created when missing) as firedrill.key and firedrill.pub.
Result<KeyPair> keygen(const std::string& dir);

// Reads a 32-byte public key file (hex); the error names the file.
Result<std::string> read_public_key(const std::string& path);

// Signs run_dir/report.json with the secret key in `secret_key_path`, writing
// run_dir/report.dsse.json. Refuses a report.json that is not one JSON object, that has no
// "evidence" manifest (the signature binds the artifacts only through it), or whose manifest the
// files no longer match. Returns the key id.
Result<std::string> sign_run(const std::string& run_dir, const std::string& secret_key_path);

// A parsed DSSE envelope.
struct Envelope {
  std::string payload_type;
  std::string payload;  // decoded
  struct Signature {
    std::string keyid;
    std::string sig;  // decoded, 64 bytes when well formed
  };
  std::vector<Signature> signatures;
};

// Parses a DSSE envelope's text (base64 standard or URL-safe, padded or not, as DSSE allows).
Result<Envelope> parse_envelope(const std::string& text);

// Whether one of the envelope's signatures verifies over PAE with `public_key` (32 bytes).
bool envelope_verifies(const Envelope& envelope, const std::string& public_key);

}  // namespace firedrill
