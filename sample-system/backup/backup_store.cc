// Names, manifests, catalogs and durable file operations of the backup store; see backup_store.h.
#include "backup/backup_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <vector>

#include "backup/sha256.h"
#include "ledger/sqlite_open.h"

namespace json = boost::json;
namespace fs = std::filesystem;

namespace refpay::backup {
namespace {

constexpr int kPositionDigits = 12;

std::string padded(int64_t position) {
  char text[32];
  std::snprintf(text, sizeof text, "%0*lld", kPositionDigits, static_cast<long long>(position));
  return text;
}

// Exactly 12 decimal digits at text[at...]; nullopt otherwise.
std::optional<int64_t> digits_at(const std::string& text, std::size_t at) {
  if (text.size() < at + kPositionDigits) return std::nullopt;
  int64_t value = 0;
  for (std::size_t i = at; i < at + kPositionDigits; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::string errno_text() { return std::strerror(errno); }

std::string parent_of(const std::string& path) {
  std::string parent = fs::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

json::object manifest_fields(const Manifest& m) {
  return json::object{{"schema", kManifestSchema},
                      {"kind", m.kind},
                      {"node", m.node},
                      {"file", m.file},
                      {"first_position", m.span.first_position},
                      {"last_position", m.span.last_position},
                      {"entries", m.span.entries},
                      {"first_committed_at_ms", m.span.first_committed_at_ms},
                      {"last_committed_at_ms", m.span.last_committed_at_ms},
                      {"max_committed_at_ms", m.span.max_committed_at_ms},
                      {"last_idempotency_key", m.span.last_idempotency_key},
                      {"bytes", m.bytes},
                      {"sha256", m.sha256},
                      {"created_ms", m.created_ms}};
}

bool is_hex64(const std::string& text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

std::string full_backup_name(int64_t last_position) {
  return "full-" + padded(last_position) + ".sqlite";
}

std::string archive_segment_name(int64_t first_position, int64_t last_position) {
  return "archive-" + padded(first_position) + "-" + padded(last_position) + ".ndjson";
}

std::optional<BackupName> parse_backup_name(const std::string& name) {
  // full-DDDDDDDDDDDD.sqlite
  if (name.size() == 5 + kPositionDigits + 7 && name.rfind("full-", 0) == 0 &&
      name.compare(5 + kPositionDigits, 7, ".sqlite") == 0) {
    auto last = digits_at(name, 5);
    if (!last) return std::nullopt;
    return BackupName{true, *last > 0 ? 1 : 0, *last};
  }
  // archive-DDDDDDDDDDDD-DDDDDDDDDDDD.ndjson
  if (name.size() == 8 + 2 * kPositionDigits + 1 + 7 && name.rfind("archive-", 0) == 0 &&
      name[8 + kPositionDigits] == '-' &&
      name.compare(8 + 2 * kPositionDigits + 1, 7, ".ndjson") == 0) {
    auto first = digits_at(name, 8);
    auto last = digits_at(name, 8 + kPositionDigits + 1);
    if (!first || !last || *first < 1 || *last < *first) return std::nullopt;
    return BackupName{false, *first, *last};
  }
  return std::nullopt;
}

LogSpan span_of(const std::vector<Transfer>& transfers) {
  LogSpan span;
  if (transfers.empty()) return span;
  span.first_position = transfers.front().position;
  span.last_position = transfers.back().position;
  span.entries = static_cast<int64_t>(transfers.size());
  span.first_committed_at_ms = transfers.front().committed_at_ms;
  span.last_committed_at_ms = transfers.back().committed_at_ms;
  for (const Transfer& t : transfers) span.max_committed_at_ms = std::max(span.max_committed_at_ms, t.committed_at_ms);
  span.last_idempotency_key = transfers.back().idempotency_key;
  return span;
}

std::string describe(const LogSpan& s) {
  return "positions " + std::to_string(s.first_position) + ".." + std::to_string(s.last_position) +
         ", " + std::to_string(s.entries) + " entries, committed_at_ms " +
         std::to_string(s.first_committed_at_ms) + ".." + std::to_string(s.last_committed_at_ms) +
         " (max " + std::to_string(s.max_committed_at_ms) + "), newest key \"" +
         s.last_idempotency_key + "\"";
}

std::string Manifest::to_text() const {
  json::object fields = manifest_fields(*this);
  std::string self = sha256_hex(json::serialize(fields));
  fields["manifest_sha256"] = self;
  return json::serialize(fields) + "\n";
}

Result<Manifest> Manifest::parse(const std::string& text) {
  json::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return Status::error("manifest is not JSON: " + ec.message());
  json::object* object = value.if_object();
  if (!object) return Status::error("manifest is not a JSON object");
  if (json::serialize(*object) + "\n" != text) {
    return Status::error("manifest is not in canonical form (a byte was changed)");
  }
  const json::value* self = object->if_contains("manifest_sha256");
  if (!self || !self->is_string()) return Status::error("manifest has no manifest_sha256");
  std::string expected(self->as_string());
  object->erase("manifest_sha256");
  if (sha256_hex(json::serialize(*object)) != expected) {
    return Status::error("manifest_sha256 does not match the manifest's contents");
  }
  std::string missing;
  auto text_field = [&](const char* key) -> std::string {
    const json::value* v = object->if_contains(key);
    if (!v || !v->is_string()) {
      if (missing.empty()) missing = key;
      return "";
    }
    return std::string(v->as_string());
  };
  auto int_field = [&](const char* key) -> int64_t {
    const json::value* v = object->if_contains(key);
    if (!v || !v->is_int64() || v->as_int64() < 0) {
      if (missing.empty()) missing = key;
      return 0;
    }
    return v->as_int64();
  };
  Manifest m;
  std::string schema = text_field("schema");
  m.kind = text_field("kind");
  m.node = text_field("node");
  m.file = text_field("file");
  m.span.first_position = int_field("first_position");
  m.span.last_position = int_field("last_position");
  m.span.entries = int_field("entries");
  m.span.first_committed_at_ms = int_field("first_committed_at_ms");
  m.span.last_committed_at_ms = int_field("last_committed_at_ms");
  m.span.max_committed_at_ms = int_field("max_committed_at_ms");
  m.span.last_idempotency_key = text_field("last_idempotency_key");
  m.bytes = int_field("bytes");
  m.sha256 = text_field("sha256");
  m.created_ms = int_field("created_ms");
  if (!missing.empty()) return Status::error("manifest field " + missing + ": missing or of the wrong type");
  if (schema != kManifestSchema) return Status::error("manifest schema \"" + schema + "\": expected " + kManifestSchema);
  if (m.kind != "hot" && m.kind != "cold" && m.kind != "archive") {
    return Status::error("manifest kind \"" + m.kind + "\": expected hot, cold or archive");
  }
  if (!is_hex64(m.sha256)) return Status::error("manifest sha256: not 64 lowercase hex digits");
  return m;
}

std::string Sha256::hex() {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state_, digest);
  char text[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(text, sizeof text, digest, sizeof digest);
  return text;
}

namespace {

// Reads `path` from start to end in chunks of `chunk_bytes`, handing each to `consume`; stops at
// the first error, its own or the one `consume` returns.
Status read_chunks(const std::string& path, std::size_t chunk_bytes,
                   const std::function<Status(const char* data, std::size_t size)>& consume) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::error("open " + path + ": " + errno_text());
  std::vector<char> buffer(chunk_bytes);
  Status status = Status::ok();
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = Status::error("read " + path + ": " + errno_text());
      break;
    }
    if (n == 0) break;
    status = consume(buffer.data(), static_cast<std::size_t>(n));
    if (!status) break;
  }
  ::close(fd);
  return status;
}

}  // namespace

Result<FileDigest> sha256_file(const std::string& path) {
  Sha256 hash;
  FileDigest digest;
  Status read = read_chunks(path, 1 << 20, [&](const char* data, std::size_t size) {
    hash.update(data, size);
    digest.bytes += static_cast<int64_t>(size);
    return Status::ok();
  });
  if (!read) return read;
  digest.sha256 = hash.hex();
  return digest;
}

Result<FileDigest> copy_file_synced(const std::string& from, const std::string& to, bool hash) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Status::error("open " + from + ": " + errno_text());
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    std::string why = errno_text();
    ::close(in);
    return Status::error("create " + to + ": " + why);
  }
  auto fail = [&](const std::string& what) {
    std::string why = what + ": " + errno_text();
    ::close(in);
    ::close(out);
    return Status::error(why);
  };
  Sha256 sha;
  FileDigest digest;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("read " + from);
    if (n == 0) break;
    if (hash) sha.update(buffer.data(), static_cast<std::size_t>(n));
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out, buffer.data() + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return fail("write " + to);
      done += w;
    }
    digest.bytes += n;
  }
  if (::fsync(out) != 0) return fail("fsync " + to);
  ::close(in);
  if (::close(out) != 0) return Status::error("close " + to + ": " + errno_text());
  if (hash) digest.sha256 = sha.hex();
  return digest;
}

Result<std::string> read_file(const std::string& path, std::size_t bytes_max) {
  std::string text;
  Status read = read_chunks(path, 1 << 16, [&](const char* data, std::size_t size) {
    if (text.size() + size > bytes_max) return Status::error(path + ": larger than " + std::to_string(bytes_max) + " bytes");
    text.append(data, size);
    return Status::ok();
  });
  if (!read) return read;
  return text;
}

Status fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::error("open " + path + ": " + errno_text());
  int rc = ::fsync(fd);
  std::string why = rc != 0 ? errno_text() : "";
  ::close(fd);
  if (rc != 0) return Status::error("fsync " + path + ": " + why);
  return Status::ok();
}

Status rename_durably(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    return Status::error("rename " + from + " to " + to + ": " + errno_text());
  }
  return fsync_path(parent_of(to));
}

Status write_file_synced(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::error("create " + path + ": " + errno_text());
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string why = errno_text();
      ::close(fd);
      ::unlink(path.c_str());
      return Status::error("write " + path + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    std::string why = errno_text();
    ::close(fd);
    ::unlink(path.c_str());
    return Status::error("fsync " + path + ": " + why);
  }
  if (::close(fd) != 0) return Status::error("close " + path + ": " + errno_text());
  return Status::ok();
}

Status write_file_durably(const std::string& path, const std::string& text) {
  std::string temp = path + kTempSuffix;
  if (Status s = write_file_synced(temp, text); !s) return s;
  if (Status s = rename_durably(temp, path); !s) {
    ::unlink(temp.c_str());
    return s;
  }
  return Status::ok();
}

int64_t Catalog::last_position() const {
  int64_t last = 0;
  for (const auto* list : {&fulls, &segments}) {
    for (const auto& e : *list) last = std::max(last, e.name.last_position);
  }
  return last;
}

Result<Catalog> scan_catalog(const std::string& dir) {
  Catalog catalog;
  catalog.dir = dir;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return Status::error("list " + dir + ": " + ec.message());
  const std::string suffix = kManifestSuffix;
  for (const auto& item : it) {
    std::string file = item.path().filename().string();
    if (file.size() <= suffix.size() || file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    std::string data_file = file.substr(0, file.size() - suffix.size());
    auto name = parse_backup_name(data_file);
    if (!name) continue;
    CatalogEntry entry;
    entry.data_path = (fs::path(dir) / data_file).string();
    entry.manifest_path = item.path().string();
    entry.name = *name;
    auto text = read_file(entry.manifest_path, kManifestBytesMax);
    auto manifest = text ? Manifest::parse(*text) : Result<Manifest>(text.status());
    if (manifest) {
      entry.manifest = *manifest;
    } else {
      entry.manifest_error = manifest.status().message();
    }
    (name->full ? catalog.fulls : catalog.segments).push_back(std::move(entry));
  }
  auto by_position = [](const CatalogEntry& a, const CatalogEntry& b) {
    return std::pair(a.name.last_position, a.name.first_position) <
           std::pair(b.name.last_position, b.name.first_position);
  };
  std::sort(catalog.fulls.begin(), catalog.fulls.end(), by_position);
  std::sort(catalog.segments.begin(), catalog.segments.end(), by_position);
  return catalog;
}

Status remove_entry(const CatalogEntry& entry) {
  std::error_code ec;
  fs::remove(entry.manifest_path, ec);
  if (ec) return Status::error("remove " + entry.manifest_path + ": " + ec.message());
  fs::remove(entry.data_path, ec);
  if (ec) return Status::error("remove " + entry.data_path + ": " + ec.message());
  return fsync_path(parent_of(entry.data_path));
}

int remove_temp_files(const std::string& dir) {
  int removed = 0;
  std::error_code ec;
  const std::string suffix = kTempSuffix;
  for (const auto& item : fs::directory_iterator(dir, ec)) {
    std::string file = item.path().filename().string();
    if (file.size() > suffix.size() && file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        fs::remove(item.path(), ec)) {
      ++removed;
    }
  }
  return removed;
}

Result<std::vector<Transfer>> parse_segment(const std::string& text) {
  std::vector<Transfer> transfers;
  std::size_t start = 0;
  int64_t line = 0;
  while (start < text.size()) {
    ++line;
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) return Status::error("line " + std::to_string(line) + ": no newline at the end");
    json::error_code ec;
    json::value value = json::parse(std::string_view(text).substr(start, end - start), ec);
    auto transfer = ec ? std::nullopt : transfer_from_json(value);
    if (!transfer) return Status::error("line " + std::to_string(line) + ": not a transfer");
    transfers.push_back(std::move(*transfer));
    start = end + 1;
  }
  return transfers;
}

Result<LogSpan> span_of_database(sqlite3* db) {
  LogSpan span;
  sqlite3_stmt* query = nullptr;
  auto fail = [&](const char* what) {
    std::string why = std::string(what) + ": " + sqlite3_errmsg(db);
    sqlite3_finalize(query);
    return Status::error(why);
  };
  if (sqlite3_prepare_v2(db,
                         "SELECT count(*), coalesce(min(position), 0), coalesce(max(position), 0),"
                         " coalesce(max(committed_at_ms), 0) FROM transfers",
                         -1, &query, nullptr) != SQLITE_OK ||
      sqlite3_step(query) != SQLITE_ROW) {
    return fail("read transfers");
  }
  span.entries = sqlite3_column_int64(query, 0);
  span.first_position = sqlite3_column_int64(query, 1);
  span.last_position = sqlite3_column_int64(query, 2);
  span.max_committed_at_ms = sqlite3_column_int64(query, 3);
  sqlite3_finalize(query);
  query = nullptr;
  if (span.entries == 0) return span;
  if (sqlite3_prepare_v2(db, "SELECT position, idempotency_key, committed_at_ms FROM transfers WHERE position IN (?, ?)",
                         -1, &query, nullptr) != SQLITE_OK) {
    return fail("read transfers");
  }
  sqlite3_bind_int64(query, 1, span.first_position);
  sqlite3_bind_int64(query, 2, span.last_position);
  int rc;
  while ((rc = sqlite3_step(query)) == SQLITE_ROW) {
    int64_t position = sqlite3_column_int64(query, 0);
    int64_t committed = sqlite3_column_int64(query, 2);
    if (position == span.first_position) span.first_committed_at_ms = committed;
    if (position == span.last_position) {
      span.last_committed_at_ms = committed;
      const unsigned char* key = sqlite3_column_text(query, 1);
      span.last_idempotency_key = key ? reinterpret_cast<const char*>(key) : "";
    }
  }
  if (rc != SQLITE_DONE) return fail("read transfers");
  sqlite3_finalize(query);
  return span;
}

Result<sqlite3*> open_immutable(const std::string& path) {
  if (!fs::is_regular_file(path)) return Status::error(path + ": no such file");
  std::string uri = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", static_cast<unsigned char>(c));
      uri += escaped;
    } else {
      uri += c;
    }
  }
  uri += "?immutable=1";
  auto opened = open_sqlite(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
  if (!opened) return opened.status().with_context("open " + path);
  return opened;
}

}  // namespace refpay::backup
