// Hot and cold full backups, archive segments and the upkeep of a backup directory; see
// backup_writer.h.
#include "backup/backup_writer.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "backup/sha256.h"
#include "common/clock.h"
#include "common/payment.h"
#include "ledger/ledger_store.h"

namespace fs = std::filesystem;

namespace refpay::backup {
namespace {

std::string join(const std::string& dir, const std::string& file) { return (fs::path(dir) / file).string(); }

// Puts a finished data file (already fsynced under its temporary name) in place and writes its
// manifest after it. A stale manifest of the same name goes first, so that it never describes
// the new file.
Status publish(const std::string& temp_path, const std::string& dir, Manifest& manifest) {
  std::string data_path = join(dir, manifest.file);
  std::string manifest_path = data_path + kManifestSuffix;
  std::error_code ec;
  fs::remove(manifest_path, ec);
  if (ec) return Status::error("remove " + manifest_path + ": " + ec.message());
  if (Status s = rename_durably(temp_path, data_path); !s) return s;
  manifest.created_ms = wall_clock_ms();
  return write_file_durably(manifest_path, manifest.to_text());
}

std::string sqlite_error(sqlite3* db, int rc) { return db ? sqlite3_errmsg(db) : sqlite3_errstr(rc); }

// What the store's log holds, from its in-memory state and two indexed reads: cheap enough for the
// event loop (a scan of a large transfers table is not). The log is gap-free from position 1.
Result<LogSpan> span_of_store(const LedgerStore& store) {
  LogSpan span;
  if (store.last_position() == 0) return span;
  auto first = store.transfer_at(1);
  auto last = store.transfer_at(store.last_position());
  if (!first || !last) return Status::error("cannot read the first and last transfers of the log");
  span.first_position = 1;
  span.last_position = last->position;
  span.entries = last->position;
  span.first_committed_at_ms = first->committed_at_ms;
  span.last_committed_at_ms = last->committed_at_ms;
  span.max_committed_at_ms = store.max_committed_at_ms();
  span.last_idempotency_key = last->idempotency_key;
  return span;
}

}  // namespace

// ---- hot backup -------------------------------------------------------------------------------

HotBackup::HotBackup(const LedgerStore& store, std::string dir, std::string node)
    : store_(store), dir_(std::move(dir)), node_(std::move(node)) {}

Result<std::unique_ptr<HotBackup>> HotBackup::start(const LedgerStore& store, const std::string& dir,
                                                    const std::string& node) {
  std::unique_ptr<HotBackup> b(new HotBackup(store, dir, node));
  b->temp_path_ = join(dir, std::string("full-in-progress.sqlite") + kTempSuffix);
  std::error_code ec;
  fs::remove(b->temp_path_, ec);
  int rc = sqlite3_open_v2(b->temp_path_.c_str(), &b->dest_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) return Status::error("hot backup: create " + b->temp_path_ + ": " + sqlite_error(b->dest_, rc));
  // The copy is a temporary file until it is fsynced and renamed: no journal is needed.
  sqlite3_exec(b->dest_, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;", nullptr, nullptr, nullptr);
  b->backup_ = sqlite3_backup_init(b->dest_, "main", store.backup_source(), "main");
  if (!b->backup_) return Status::error("hot backup: " + b->temp_path_ + ": " + sqlite3_errmsg(b->dest_));
  return b;
}

HotBackup::~HotBackup() {
  if (backup_) sqlite3_backup_finish(backup_);
  if (dest_) sqlite3_close(dest_);
  if (hash_fd_ >= 0) ::close(hash_fd_);
  if (phase_ != Phase::done) {
    std::error_code ec;
    fs::remove(temp_path_, ec);
  }
}

Result<bool> HotBackup::step() {
  switch (phase_) {
    case Phase::copy: return copy_step();
    case Phase::hash: return hash_step();
    case Phase::done: return true;
  }
  return true;
}

Result<Manifest> HotBackup::run_to_end() {
  for (;;) {
    auto done = step();
    if (!done) return done.status();
    if (*done) return manifest_;
  }
}

Result<bool> HotBackup::copy_step() {
  int rc = sqlite3_backup_step(backup_, kHotBackupPagesPerStep);
  if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return false;
  if (rc != SQLITE_DONE) return Status::error("hot backup " + temp_path_ + ": " + sqlite3_errstr(rc));
  // The copy equals the database at this instant; nothing can commit before the next line (one
  // thread), so the database's span is the copy's.
  auto span = span_of_store(store_);
  if (!span) return span.status().with_context("hot backup");
  rc = sqlite3_backup_finish(backup_);
  backup_ = nullptr;
  if (rc != SQLITE_OK) return Status::error("hot backup " + temp_path_ + ": " + sqlite3_errstr(rc));
  rc = sqlite3_close(dest_);
  dest_ = nullptr;
  if (rc != SQLITE_OK) return Status::error("hot backup: close " + temp_path_ + ": " + sqlite3_errstr(rc));
  hash_fd_ = ::open(temp_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (hash_fd_ < 0) return Status::error("hot backup: open " + temp_path_ + ": " + std::strerror(errno));
  manifest_.kind = "hot";
  manifest_.node = node_;
  manifest_.file = full_backup_name(span->last_position);
  manifest_.span = *span;
  phase_ = Phase::hash;
  return false;
}

Result<bool> HotBackup::hash_step() {
  buffer_.resize(kHashBytesPerStep);
  std::size_t done = 0;
  while (done < kHashBytesPerStep) {
    ssize_t n = ::read(hash_fd_, buffer_.data(), kHashBytesPerStep - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::error("hot backup: read " + temp_path_ + ": " + std::strerror(errno));
    if (n == 0) {
      // Writeback was started chunk by chunk below, so this fsync has little left to wait for.
      int synced = ::fsync(hash_fd_);
      ::close(hash_fd_);
      hash_fd_ = -1;
      if (synced != 0) return Status::error("hot backup: fsync " + temp_path_ + ": " + std::strerror(errno));
      manifest_.sha256 = hash_.hex();
      if (Status s = publish(temp_path_, dir_, manifest_); !s) return s.with_context("hot backup");
      phase_ = Phase::done;
      return true;
    }
    hash_.update(buffer_.data(), static_cast<std::size_t>(n));
    // Start writing this range to disk now, without waiting for it.
    sync_file_range(hash_fd_, manifest_.bytes, n, SYNC_FILE_RANGE_WRITE);
    manifest_.bytes += n;
    done += static_cast<std::size_t>(n);
  }
  return false;
}

// ---- archive ----------------------------------------------------------------------------------

Result<std::optional<Manifest>> write_archive_segment(const LedgerStore& store, const std::string& dir,
                                                      const std::string& node, int64_t after_position) {
  auto entries = store.read_after(after_position, static_cast<std::size_t>(kSegmentEntriesMax));
  if (!entries) return entries.status().with_context("archive");
  if (entries->empty()) return std::optional<Manifest>();
  Manifest m;
  m.kind = "archive";
  m.node = node;
  m.span = span_of(*entries);
  const LogSpan& span = m.span;
  std::string text;
  int64_t expected = after_position + 1;
  for (const Transfer& t : *entries) {
    if (t.position != expected++) {
      return Status::error("archive: the log has a gap before position " + std::to_string(t.position));
    }
    text += transfer_export_line(t);
  }
  m.file = archive_segment_name(span.first_position, span.last_position);
  m.sha256 = sha256_hex(text);
  m.bytes = static_cast<int64_t>(text.size());
  std::string temp = join(dir, m.file + kTempSuffix);
  if (Status s = write_file_synced(temp, text); !s) return s.with_context("archive");
  if (Status s = publish(temp, dir, m); !s) {
    std::error_code ec;
    fs::remove(temp, ec);
    return s.with_context("archive");
  }
  return std::optional<Manifest>(m);
}

// ---- cold backup ------------------------------------------------------------------------------

Result<Manifest> cold_backup(const std::string& data_dir, const std::string& backup_dir,
                             const std::string& node) {
  std::string source = join(data_dir, "ledger.sqlite");
  if (!fs::is_regular_file(source)) return Status::error("cold backup: " + source + ": no such database");
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(source.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = sqlite_error(db, rc);
    sqlite3_close(db);
    return Status::error("cold backup: open " + source + ": " + why);
  }
  // Move every committed page from the WAL into the database file, so the file alone is whole.
  char* error = nullptr;
  rc = sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string why = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    sqlite3_close(db);
    return Status::error("cold backup: checkpoint " + source + ": " + why);
  }
  auto span = span_of_database(db);
  sqlite3_close(db);  // the last connection: SQLite checkpoints again and removes the WAL
  if (!span) return span.status().with_context("cold backup " + source);
  std::error_code ec;
  fs::create_directories(backup_dir, ec);
  if (ec) return Status::error("cold backup: create " + backup_dir + ": " + ec.message());
  Manifest m;
  m.kind = "cold";
  m.node = node;
  m.file = full_backup_name(span->last_position);
  m.span = *span;
  std::string temp = join(backup_dir, m.file + kTempSuffix);
  auto digest = copy_file_synced(source, temp, true);
  if (!digest) {
    fs::remove(temp, ec);
    return digest.status().with_context("cold backup");
  }
  m.bytes = digest->bytes;
  m.sha256 = digest->sha256;
  if (Status s = publish(temp, backup_dir, m); !s) {
    fs::remove(temp, ec);
    return s.with_context("cold backup");
  }
  return m;
}

// ---- upkeep -----------------------------------------------------------------------------------

Result<int> remove_after(const std::string& dir, int64_t position) {
  auto catalog = scan_catalog(dir);
  if (!catalog) return catalog.status();
  int removed = 0;
  for (const auto* list : {&catalog->fulls, &catalog->segments}) {
    for (const auto& entry : *list) {
      if (entry.name.last_position <= position) continue;
      if (Status s = remove_entry(entry); !s) return s;
      ++removed;
    }
  }
  return removed;
}

Result<int> prune(const std::string& dir, int64_t fulls_kept) {
  auto catalog = scan_catalog(dir);
  if (!catalog) return catalog.status();
  auto& fulls = catalog->fulls;
  if (static_cast<int64_t>(fulls.size()) <= fulls_kept || fulls_kept < 1) return 0;
  std::size_t drop = fulls.size() - static_cast<std::size_t>(fulls_kept);
  int64_t oldest_kept = fulls[drop].name.last_position;
  int removed = 0;
  for (std::size_t i = 0; i < drop; ++i) {
    if (Status s = remove_entry(fulls[i]); !s) return s;
    ++removed;
  }
  for (const auto& segment : catalog->segments) {
    if (segment.name.last_position > oldest_kept) break;
    if (Status s = remove_entry(segment); !s) return s;
    ++removed;
  }
  return removed;
}

Status set_aside(const std::vector<CatalogEntry>& entries, const std::string& dir) {
  if (entries.empty()) return Status::ok();
  std::string aside = join(dir, "superseded");
  std::error_code ec;
  fs::create_directories(aside, ec);
  if (ec) return Status::error("create " + aside + ": " + ec.message());
  for (const auto& entry : entries) {
    // The manifest first: a data file without one is never taken for a backup.
    for (const std::string* path : {&entry.manifest_path, &entry.data_path}) {
      std::string target = join(aside, fs::path(*path).filename().string());
      fs::rename(*path, target, ec);
      if (ec && fs::exists(*path)) return Status::error("move " + *path + " to " + aside + ": " + ec.message());
    }
  }
  return fsync_path(dir);
}

}  // namespace refpay::backup
