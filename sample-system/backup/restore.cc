// Scan, plan, verify and rebuild; see restore.h.
#include "backup/restore.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>

#include "backup/sha256.h"
#include "common/clock.h"
#include "ledger/data_dir_lock.h"
#include "ledger/ledger_store.h"

namespace json = boost::json;
namespace fs = std::filesystem;

namespace refpay::backup {
namespace {

// Why a restore stopped: an exit code, the message, and the damaged file if that is the reason.
struct Failure {
  int exit_code;
  std::string error;
  std::string damaged_file;
};

std::string base_name(const std::string& path) { return fs::path(path).filename().string(); }

bool kind_allowed(const CatalogEntry& full, const std::string& kind) {
  // A full backup whose manifest does not parse is not passed over: if it is chosen, the
  // verification names it as damaged rather than restoring an older point silently.
  return kind == "any" || !full.manifest || full.manifest->kind == kind;
}

// How far a segment takes a chain that has reached `after`, under --until-committed-ms: the
// transfers after `after` up to the first committed later than `until_ms`. An unreadable segment
// is counted whole (the verification will name it).
int64_t reach_until_committed(const CatalogEntry& segment, int64_t after, int64_t until_ms) {
  if (segment.manifest && segment.manifest->span.max_committed_at_ms <= until_ms) return segment.name.last_position;
  auto text = read_file(segment.data_path, kSegmentBytesMax);
  auto transfers = text ? parse_segment(*text) : Result<std::vector<Transfer>>(text.status());
  if (!transfers) return segment.name.last_position;
  int64_t reach = after;
  for (const Transfer& t : *transfers) {
    if (t.position <= after) continue;
    if (t.position != reach + 1 || t.committed_at_ms > until_ms) break;
    reach = t.position;
  }
  return reach;
}

// The best chain of one directory, if it has an allowed full backup.
std::optional<RestorePlan> plan_directory(const Catalog& catalog, const RestoreOptions& o) {
  RestorePlan plan;
  plan.source_dir = catalog.dir;
  const int64_t until = o.until_position.value_or(INT64_MAX);
  bool found = false;
  for (auto it = catalog.fulls.rbegin(); it != catalog.fulls.rend() && !found; ++it) {
    if (it->name.last_position > until || !kind_allowed(*it, o.kind)) continue;
    if (o.until_committed_ms && it->manifest && it->manifest->span.max_committed_at_ms > *o.until_committed_ms) continue;
    plan.full = *it;
    found = true;
  }
  if (!found) return std::nullopt;
  plan.position = plan.full.name.last_position;
  for (;;) {
    if (plan.position >= until) break;
    const CatalogEntry* next = nullptr;
    for (const auto& s : catalog.segments) {
      if (s.name.first_position <= plan.position + 1 && s.name.last_position > plan.position &&
          (!next || s.name.last_position > next->name.last_position)) {
        next = &s;
      }
    }
    if (!next) break;
    int64_t reach = std::min(next->name.last_position, until);
    if (o.until_committed_ms) reach = std::min(reach, reach_until_committed(*next, plan.position, *o.until_committed_ms));
    if (reach <= plan.position) break;
    plan.segments.push_back(*next);
    plan.position = reach;
    if (reach < next->name.last_position) break;  // the until point falls inside this segment
  }
  return plan;
}

Failure damaged(const std::string& path, const std::string& why) {
  return Failure{kExitDamaged, "damaged backup: " + path + ": " + why, path};
}

// The manifest of a chain file, checked against the file's name; nullopt and `failure` when bad.
std::optional<Manifest> checked_manifest(const CatalogEntry& e, bool full, Failure& failure) {
  if (!e.manifest) {
    failure = damaged(e.manifest_path, e.manifest_error);
    return std::nullopt;
  }
  const Manifest& m = *e.manifest;
  std::string why;
  if (m.file != base_name(e.data_path)) {
    why = "names file " + m.file + ", not " + base_name(e.data_path);
  } else if (full ? (m.kind != "hot" && m.kind != "cold") : m.kind != "archive") {
    why = "kind \"" + m.kind + "\" for a " + (full ? "full backup" : "archive segment");
  } else if (m.span.last_position != e.name.last_position ||
             (!full && m.span.first_position != e.name.first_position)) {
    why = "positions " + std::to_string(m.span.first_position) + ".." + std::to_string(m.span.last_position) +
          " disagree with the file name";
  }
  if (!why.empty()) {
    failure = damaged(e.manifest_path, why);
    return std::nullopt;
  }
  return m;
}

// Size and hash of a data file against its manifest.
std::optional<Failure> check_digest(const std::string& path, const Manifest& m) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return damaged(path, "missing");
  if (st.st_size != m.bytes) {
    return damaged(path, std::to_string(st.st_size) + " bytes, the manifest says " + std::to_string(m.bytes));
  }
  auto digest = sha256_file(path);
  if (!digest) return Failure{kExitIoError, digest.status().message(), ""};
  if (digest->bytes != m.bytes || digest->sha256 != m.sha256) {
    return damaged(path, "sha256 " + digest->sha256 + ", the manifest says " + m.sha256);
  }
  return std::nullopt;
}

struct Verified {
  int64_t files = 0;
  int64_t bytes = 0;
};

std::optional<Failure> verify_full(const CatalogEntry& e, Verified& v) {
  Failure failure;
  auto m = checked_manifest(e, true, failure);
  if (!m) return failure;
  if (auto f = check_digest(e.data_path, *m)) return f;
  auto db = open_immutable(e.data_path);
  if (!db) return damaged(e.data_path, db.status().message());
  auto span = span_of_database(*db);
  sqlite3_close(*db);
  if (!span) return damaged(e.data_path, span.status().message());
  if (span->entries != span->last_position - span->first_position + (span->entries > 0 ? 1 : 0) ||
      (span->entries > 0 && span->first_position != 1)) {
    return damaged(e.data_path, "the log in it is not gap-free from position 1 (" + describe(*span) + ")");
  }
  if (!(*span == m->span)) return damaged(e.data_path, "holds " + describe(*span) + "; the manifest says " + describe(m->span));
  v.files += 2;
  v.bytes += m->bytes + static_cast<int64_t>(m->to_text().size());
  return std::nullopt;
}

// Reads, hashes and parses a segment (the rebuild calls it again, so a file changed after the
// verification is caught too).
Result<std::vector<Transfer>> load_segment(const CatalogEntry& e, const Manifest& m, Failure& failure) {
  auto text = read_file(e.data_path, kSegmentBytesMax);
  if (!text) {
    failure = fs::exists(e.data_path) ? damaged(e.data_path, text.status().message()) : damaged(e.data_path, "missing");
    return text.status();
  }
  std::string sha = sha256_hex(*text);
  if (static_cast<int64_t>(text->size()) != m.bytes || sha != m.sha256) {
    failure = damaged(e.data_path, std::to_string(text->size()) + " bytes with sha256 " + sha + ", the manifest says " +
                                       std::to_string(m.bytes) + " bytes with sha256 " + m.sha256);
    return Status::error(failure.error);
  }
  auto transfers = parse_segment(*text);
  if (!transfers) {
    failure = damaged(e.data_path, transfers.status().message());
    return transfers.status();
  }
  int64_t expected = m.span.first_position;
  for (const Transfer& t : *transfers) {
    if (t.position != expected++) {
      failure = damaged(e.data_path, "position " + std::to_string(t.position) + " where " +
                                         std::to_string(expected - 1) + " belongs");
      return Status::error(failure.error);
    }
  }
  const LogSpan span = span_of(*transfers);
  if (!(span == m.span)) {
    failure = damaged(e.data_path, "holds " + describe(span) + "; the manifest says " + describe(m.span));
    return Status::error(failure.error);
  }
  return transfers;
}

std::optional<Failure> verify_segment(const CatalogEntry& e, Verified& v) {
  Failure failure;
  auto m = checked_manifest(e, false, failure);
  if (!m) return failure;
  // load_segment reads the segment once and checks its size and SHA-256 on those bytes.
  auto transfers = load_segment(e, *m, failure);
  if (!transfers) return failure;
  v.files += 2;
  v.bytes += m->bytes + static_cast<int64_t>(m->to_text().size());
  return std::nullopt;
}

// D holds nothing but (perhaps) its lock file.
Result<bool> data_dir_is_empty(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return true;
  if (!fs::is_directory(dir, ec)) return Status::error(dir + ": not a directory");
  for (const auto& item : fs::directory_iterator(dir, ec)) {
    if (item.path().filename() != DataDirLock::kFileName) return false;
  }
  if (ec) return Status::error("list " + dir + ": " + ec.message());
  return true;
}

std::vector<std::string> candidate_dirs(const RestoreOptions& o) {
  if (o.backup_store.empty()) return o.backup_dirs;
  std::vector<std::string> dirs;
  std::error_code ec;
  for (const auto& item : fs::directory_iterator(o.backup_store, ec)) {
    if (item.is_directory(ec)) dirs.push_back(item.path().string());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

bool preferred(const RestorePlan& plan, const std::string& prefer) {
  return !prefer.empty() && (base_name(plan.source_dir) == prefer || plan.source_dir == prefer);
}

// What is written: the full backup copied into D/.restore-tmp, the archive entries appended with
// their own positions, epochs, keys and timestamps (LedgerStore::append, as replication applies
// them), then the database renamed to D/ledger.sqlite.
struct Rebuilt {
  int64_t position = 0;
  std::string key;
  int64_t committed_at_ms = 0;
};

std::optional<Failure> rebuild(const RestorePlan& plan, const RestoreOptions& o, Rebuilt& out) {
  auto lock = DataDirLock::acquire(o.data_dir);
  if (!lock) return Failure{kExitLocked, lock.status().message(), ""};
  auto empty = data_dir_is_empty(o.data_dir);
  if (!empty) return Failure{kExitCantCreate, empty.status().message(), ""};
  if (!*empty && !o.force) {
    return Failure{kExitCantCreate, "data dir " + o.data_dir + " is not empty (--force replaces its database)", ""};
  }
  const std::string database = (fs::path(o.data_dir) / "ledger.sqlite").string();
  const std::string temp_dir = (fs::path(o.data_dir) / ".restore-tmp").string();
  std::error_code ec;
  fs::remove_all(temp_dir, ec);
  auto io_failure = [&](const std::string& why) {
    fs::remove_all(temp_dir, ec);
    return Failure{kExitIoError, why, ""};
  };
  fs::create_directories(temp_dir, ec);
  if (ec) return io_failure("create " + temp_dir + ": " + ec.message());
  const std::string temp_database = temp_dir + "/ledger.sqlite";
  if (auto copied = copy_file_synced(plan.full.data_path, temp_database, false); !copied) {
    return io_failure(copied.status().message());
  }
  {
    auto store = LedgerStore::open(temp_dir, LedgerStoreOptions{2, 0, "normal"});
    if (!store) return io_failure(store.status().message());
    for (const auto& segment : plan.segments) {
      Failure failure;
      auto transfers = load_segment(segment, *segment.manifest, failure);
      if (!transfers) {
        fs::remove_all(temp_dir, ec);
        return failure;
      }
      std::vector<Transfer> batch;
      for (auto& t : *transfers) {
        if (t.position > (*store)->last_position() && t.position <= plan.position) batch.push_back(std::move(t));
      }
      if (Status s = (*store)->append(batch); !s) return io_failure("apply " + segment.data_path + ": " + s.message());
    }
    if ((*store)->last_position() != plan.position) {
      return io_failure("rebuilt log ends at " + std::to_string((*store)->last_position()) + ", not " +
                        std::to_string(plan.position));
    }
    if ((*store)->last_epoch() > (*store)->epoch()) {
      if (Status s = (*store)->set_epoch((*store)->last_epoch()); !s) return io_failure(s.message());
    }
    out.position = (*store)->last_position();
    if (auto newest = (*store)->transfer_at(out.position)) {
      out.key = newest->idempotency_key;
      out.committed_at_ms = newest->committed_at_ms;
    }
  }  // closing the last connection checkpoints the WAL into the database file
  if (o.force) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(database + suffix, ec);
  }
  if (Status s = fsync_path(temp_database); !s) return io_failure(s.message());
  if (Status s = rename_durably(temp_database, database); !s) return io_failure(s.message());
  fs::remove_all(temp_dir, ec);
  if (Status s = fsync_path(o.data_dir); !s) return io_failure(s.message());
  return std::nullopt;
}

RestoreOutcome outcome_of(const Failure& f) {
  json::object line{{"ok", false}, {"error", f.error}};
  if (!f.damaged_file.empty()) line["damaged_file"] = f.damaged_file;
  return RestoreOutcome{f.exit_code, json::serialize(line) + "\n", "refpay-restore: " + f.error + "\n"};
}

std::string usage_error(const RestoreOptions& o) {
  if (o.data_dir.empty()) return "--data-dir is required";
  if (o.backup_dirs.empty() == o.backup_store.empty()) return "give either --backup-dir (one or more) or --backup-store";
  if (o.until_position && o.until_committed_ms) return "--until-position and --until-committed-ms exclude each other";
  if (o.until_position && *o.until_position < 0) return "--until-position must be >= 0";
  if (o.kind != "any" && o.kind != "hot" && o.kind != "cold") return "--kind must be any, hot or cold";
  return "";
}

}  // namespace

Result<RestorePlan> plan_restore(const std::vector<Catalog>& catalogs, const RestoreOptions& o) {
  std::optional<RestorePlan> best;
  for (const auto& catalog : catalogs) {
    auto plan = plan_directory(catalog, o);
    if (!plan) continue;
    bool better = !best || plan->position > best->position ||
                  (plan->position == best->position &&
                   (preferred(*plan, o.prefer) > preferred(*best, o.prefer) ||
                    (preferred(*plan, o.prefer) == preferred(*best, o.prefer) &&
                     base_name(plan->source_dir) < base_name(best->source_dir))));
    if (better) best = std::move(plan);
  }
  if (!best) {
    std::string dirs;
    for (const auto& c : catalogs) dirs += (dirs.empty() ? "" : ", ") + c.dir;
    std::string which = o.kind == "any" ? "full backup" : o.kind + " full backup";
    std::string until = o.until_position ? " at or before position " + std::to_string(*o.until_position)
                        : o.until_committed_ms ? " committed by " + std::to_string(*o.until_committed_ms) + " ms"
                                               : "";
    return Status::error("no backup to restore from: no " + which + until + " in " + (dirs.empty() ? "(no directories)" : dirs));
  }
  return *best;
}

RestoreOutcome restore(const RestoreOptions& o) {
  const auto started = Clock::now();
  if (std::string why = usage_error(o); !why.empty()) return outcome_of(Failure{kExitUsage, why, ""});
  long holder = 0;
  if (DataDirLock::is_locked(o.data_dir, &holder)) {
    return outcome_of(Failure{kExitLocked, "data dir " + o.data_dir + " is in use by a running ledger (pid " +
                                               std::to_string(holder) + "): stop it first", ""});
  }
  auto empty = data_dir_is_empty(o.data_dir);
  if (!empty) return outcome_of(Failure{kExitCantCreate, empty.status().message(), ""});
  if (!*empty && !o.force) {
    return outcome_of(Failure{kExitCantCreate, "data dir " + o.data_dir + " is not empty (--force replaces its database)", ""});
  }
  if (!o.backup_store.empty() && !fs::is_directory(o.backup_store)) {
    return outcome_of(Failure{kExitNoBackup, "no backup to restore from: " + o.backup_store + ": no such directory", ""});
  }

  // scan
  std::vector<Catalog> catalogs;
  for (const auto& dir : candidate_dirs(o)) {
    if (!fs::is_directory(dir)) continue;
    auto catalog = scan_catalog(dir);
    if (!catalog) return outcome_of(Failure{kExitIoError, catalog.status().message(), ""});
    catalogs.push_back(std::move(*catalog));
  }
  // plan
  auto plan = plan_restore(catalogs, o);
  if (!plan) return outcome_of(Failure{kExitNoBackup, plan.status().message(), ""});
  // verify: every file of the chain, before anything is written
  Verified verified;
  if (auto f = verify_full(plan->full, verified)) return outcome_of(*f);
  for (const auto& segment : plan->segments) {
    if (auto f = verify_segment(segment, verified)) return outcome_of(*f);
  }
  // rebuild
  Rebuilt rebuilt;
  if (auto f = rebuild(*plan, o, rebuilt)) return outcome_of(*f);

  auto duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  json::object line{{"ok", true},
                    {"restored_position", rebuilt.position},
                    {"restored_key", rebuilt.key},
                    {"restored_committed_at_ms", rebuilt.committed_at_ms},
                    {"source_dir", plan->source_dir},
                    {"full_backup", plan->full.data_path},
                    {"full_kind", plan->full.manifest->kind},
                    {"archive_segments", static_cast<int64_t>(plan->segments.size())},
                    {"files_verified", verified.files},
                    {"bytes_verified", verified.bytes},
                    {"duration_ms", static_cast<int64_t>(duration_ms)}};
  std::string message = "refpay-restore: restored " + o.data_dir + " to position " + std::to_string(rebuilt.position) +
                        " from " + plan->full.data_path + " and " + std::to_string(plan->segments.size()) +
                        " archive segments (" + std::to_string(verified.files) + " files verified) in " +
                        std::to_string(duration_ms) + " ms\n";
  return RestoreOutcome{0, json::serialize(line) + "\n", message};
}

}  // namespace refpay::backup
