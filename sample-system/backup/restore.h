// refpay-restore's work: choose a restore chain among candidate backup directories, verify every
// file of it, and only then rebuild a ledger's data directory from it.
//
// Stages, kept apart: scan (each candidate directory's catalog) → plan (which chain reaches the
// highest position; pure but for reading one segment when --until-committed-ms falls inside it)
// → verify (hashes, manifests, contents; read-only) → rebuild (the only stage that writes).
// The JSON line printed on stdout is a contract with the harness: sample-system/README.md §10.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backup/backup_store.h"
#include "common/status.h"

namespace refpay::backup {

// refpay-restore's exit codes (sysexits.h meanings).
constexpr int kExitUsage = 64;       // bad arguments
constexpr int kExitDamaged = 65;     // a file of the chosen chain failed verification
constexpr int kExitNoBackup = 66;    // no full backup to restore from
constexpr int kExitCantCreate = 73;  // the data directory is not empty (and no --force)
constexpr int kExitIoError = 74;     // reading or writing failed
constexpr int kExitLocked = 75;      // the data directory is locked by a running ledger

struct RestoreOptions {
  std::string data_dir;                   // D: rebuilt here
  std::vector<std::string> backup_dirs;   // candidate backup directories, or:
  std::string backup_store;               // every subdirectory of this is a candidate
  std::string prefer;                     // on a tie, the candidate with this name (or path) wins
  std::optional<int64_t> until_position;  // restore no transfer after this position
  std::optional<int64_t> until_committed_ms;  // stop before the first transfer committed after this
  std::string kind = "any";               // full backup kinds allowed: any | hot | cold
  bool force = false;                     // D may hold a database, which is replaced
};

// The chain chosen: one full backup and the archive segments after it, in the same directory.
struct RestorePlan {
  std::string source_dir;
  CatalogEntry full;
  std::vector<CatalogEntry> segments;
  int64_t position = 0;  // the position the chain restores to
};

// Chooses, among `catalogs`, the chain reaching the highest position (ties: `prefer`, then the
// directory name). Error: no candidate has a full backup that the options allow.
Result<RestorePlan> plan_restore(const std::vector<Catalog>& catalogs, const RestoreOptions& options);

// What refpay-restore prints and returns.
struct RestoreOutcome {
  int exit_code = 0;
  std::string json_line;  // one JSON object for stdout (with its newline)
  std::string message;    // for stderr (with its newline)
};

// The whole restore. Writes nothing to D unless every file of the chosen chain verified.
RestoreOutcome restore(const RestoreOptions& options);

}  // namespace refpay::backup
