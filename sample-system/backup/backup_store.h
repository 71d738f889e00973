// The backup store's vocabulary, shared by the ledger's backups (backup_agent), refpay-backup and
// refpay-restore: file names, manifests, the catalog of one backup directory, and the careful
// file operations (write to a temporary name, fsync, rename, fsync the directory).
//
// One backup directory belongs to one ledger node and holds, side by side:
//   full-<last_position, 12 digits>.sqlite                      a full copy of the database
//   archive-<first 12 digits>-<last 12 digits>.ndjson           committed transfers, one a line
//   <either name>.manifest.json                                  what the file holds, and its hash
// A manifest is written only after its data file is complete and renamed into place, so a
// manifest always names a complete file; a data file without a manifest is an unfinished backup
// and is ignored. See sample-system/README.md §10.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/payment.h"
#include "common/status.h"

struct sqlite3;

namespace refpay::backup {

constexpr const char* kManifestSuffix = ".manifest.json";
constexpr const char* kTempSuffix = ".tmp";
constexpr const char* kManifestSchema = "refpay.backup/v1";
// Limits on what a reader accepts; a larger file is damaged, not read.
constexpr std::size_t kManifestBytesMax = 64 * 1024;
constexpr int64_t kSegmentEntriesMax = 2'000;              // transfers per archive segment
constexpr std::size_t kSegmentBytesMax = 64 * 1024 * 1024;  // far above 2,000 export lines

// "full-000000001234.sqlite" for a full backup whose newest transfer is at `last_position`.
std::string full_backup_name(int64_t last_position);
// "archive-000000000101-000000000250.ndjson" for the transfers at positions first..last.
std::string archive_segment_name(int64_t first_position, int64_t last_position);

// What a data file's name says about it.
struct BackupName {
  bool full = false;           // full-*.sqlite; else archive-*.ndjson
  int64_t first_position = 0;  // archive only (a full backup starts at position 1, or is empty)
  int64_t last_position = 0;
};
// Parses a data file name (not a manifest's); nullopt for anything else.
std::optional<BackupName> parse_backup_name(const std::string& file_name);

// The transfers a backup file holds, as its manifest states them and as its contents show.
struct LogSpan {
  int64_t first_position = 0;  // 0 when it holds none
  int64_t last_position = 0;
  int64_t entries = 0;
  int64_t first_committed_at_ms = 0;
  int64_t last_committed_at_ms = 0;
  int64_t max_committed_at_ms = 0;  // committed_at_ms is not monotonic across primaries' clocks
  std::string last_idempotency_key;  // of the transfer at last_position
  bool operator==(const LogSpan&) const = default;
};
std::string describe(const LogSpan& span);
// The span `transfers` (in log order) cover; an empty list covers the empty span. Gaps are the
// caller's to check: the writer refuses them, the restore calls them damage.
LogSpan span_of(const std::vector<Transfer>& transfers);

// One manifest: `<data file>.manifest.json`, a single JSON line (fields in this order) that ends
// with manifest_sha256, the SHA-256 of the same line without that field. A reader accepts it
// only in exactly that canonical form, so one changed byte anywhere is detected.
struct Manifest {
  std::string kind;  // "hot" | "cold" (full backups) | "archive" (segments)
  std::string node;
  std::string file;  // the data file's name, in the same directory
  LogSpan span;
  int64_t bytes = 0;   // of the data file
  std::string sha256;  // of the data file, lowercase hex
  int64_t created_ms = 0;  // wall clock when the backup was made

  std::string to_text() const;
  // Parses and checks a manifest's text: canonical form, self-hash, every field with its type.
  static Result<Manifest> parse(const std::string& text);
};

// Streaming SHA-256 (libsodium).
class Sha256 {
 public:
  Sha256() { crypto_hash_sha256_init(&state_); }
  void update(const void* data, std::size_t size) {
    crypto_hash_sha256_update(&state_, static_cast<const unsigned char*>(data), size);
  }
  std::string hex();  // finishes: call once

 private:
  crypto_hash_sha256_state state_;
};

struct FileDigest {
  int64_t bytes = 0;
  std::string sha256;
};
// Hashes a file in 1 MiB reads.
Result<FileDigest> sha256_file(const std::string& path);

// Copies `from` to `to` (created or truncated) and fsyncs `to`; hashes what it copies when
// `hash` is set (else the digest's sha256 is empty). Does not rename: `to` is the caller's
// temporary name.
Result<FileDigest> copy_file_synced(const std::string& from, const std::string& to, bool hash);

// Reads a whole file of at most `bytes_max` bytes (a larger one is an error saying so).
Result<std::string> read_file(const std::string& path, std::size_t bytes_max);
// fsync of a file or a directory by path.
Status fsync_path(const std::string& path);
// Writes `text` to `path` (created or truncated) and fsyncs it.
Status write_file_synced(const std::string& path, const std::string& text);
// Writes `text` to path + ".tmp", fsyncs it, renames it to `path` and fsyncs the directory.
Status write_file_durably(const std::string& path, const std::string& text);
// rename(2) then fsync of the target's directory.
Status rename_durably(const std::string& from, const std::string& to);

// One backup in a directory, found through its manifest file.
struct CatalogEntry {
  std::string data_path;
  std::string manifest_path;
  BackupName name;                   // from the data file's name
  std::optional<Manifest> manifest;  // nullopt when it does not parse
  std::string manifest_error;        // why, then
};

// Every backup of one directory, each list in ascending last_position.
struct Catalog {
  std::string dir;
  std::vector<CatalogEntry> fulls;
  std::vector<CatalogEntry> segments;
  // The newest position any full backup or segment reaches (0 when there are none).
  int64_t last_position() const;
};
// Lists `dir` (which must exist). Manifests are parsed; a damaged one is kept with its error.
Result<Catalog> scan_catalog(const std::string& dir);
// Removes a backup: its manifest first (so the data file is never named while half gone), then
// the data file, then fsyncs the directory.
Status remove_entry(const CatalogEntry& entry);
// Removes `*.tmp` files (what a crash in the middle of a write leaves); returns how many.
int remove_temp_files(const std::string& dir);

// The transfers of an archive segment's text, one export line each; an error names the first
// line that is not a transfer.
Result<std::vector<Transfer>> parse_segment(const std::string& text);

// What a ledger database holds (its transfers table), read through an open connection.
Result<LogSpan> span_of_database(sqlite3* db);
// Opens a database file read-only without writing anything beside it (SQLite's immutable mode:
// no -wal or -shm files are created), for verifying a backup in place.
Result<sqlite3*> open_immutable(const std::string& path);

}  // namespace refpay::backup
