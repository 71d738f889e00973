// `firedrill verify RUN_DIR [--pubkey KEY]` (DESIGN.md §6, §7): checks a run directory the way
// an auditor would, and names everything that was altered:
//   (a) the timeline's hash chain (the first broken record), and its head against the manifest;
//   (b) every artifact against the evidence manifest (altered, missing, extra files);
//   (c) report.json's exact bytes against the signed payload, when report.dsse.json exists;
//   (d) the Ed25519 signature with the given public key (a wrong key says so).
// The manifest used for (b) is the signed payload's when there is an envelope (an edited
// report.json cannot then hide an edited artifact), else report.json's. Without an envelope and
// without a key only (a) and (b) are checked and the result says "unsigned".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace firedrill {

struct VerifyResult {
  bool ok = false;                    // no problem found
  std::vector<std::string> problems;  // every failure, one line each, naming the file
  bool signed_ = false;               // report.dsse.json exists
  bool signature_checked = false;     // ... and verified with the given public key
  std::string keyid;                  // the envelope's first key id
  std::string chain_head;             // of timeline.jsonl as it is now
  int64_t records = 0;                // timeline records read
  int64_t artifacts = 0;              // files the manifest lists

  // Ok, or an error listing every problem.
  Status status() const;
  // A few lines for people: what was checked, and every problem.
  std::string text() const;
};

// Verifies `run_dir`; `public_key_path` is the --pubkey file. Never throws.
VerifyResult verify_run(const std::string& run_dir, const std::optional<std::string>& public_key_path = std::nullopt);

}  // namespace firedrill
