// SQLite-backed ledger state; see ledger_store.h.
#include "ledger/ledger_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ledger/sqlite_open.h"

namespace refpay {
namespace {

const char* const kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS accounts(id TEXT PRIMARY KEY, balance INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS transfers(
  position INTEGER PRIMARY KEY,
  epoch INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL,
  from_account TEXT NOT NULL,
  to_account TEXT NOT NULL,
  amount INTEGER NOT NULL,
  client_timestamp_ms INTEGER NOT NULL,
  committed_at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency(
  key TEXT PRIMARY KEY, position INTEGER NOT NULL, created_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency(created_ms);
)sql";

// Resets a prepared statement when the scope ends, so it can be reused.
class StatementUse {
 public:
  explicit StatementUse(sqlite3_stmt* statement) : statement_(statement) {}
  ~StatementUse() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;

 private:
  sqlite3_stmt* statement_;
};

void bind_text(sqlite3_stmt* s, int index, const std::string& text) {
  sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

std::string column_text(sqlite3_stmt* s, int index) {
  const unsigned char* text = sqlite3_column_text(s, index);
  return text ? std::string(reinterpret_cast<const char*>(text)) : std::string();
}

Transfer read_transfer_row(sqlite3_stmt* s) {
  return Transfer{sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), column_text(s, 2),
                  column_text(s, 3),          column_text(s, 4),          sqlite3_column_int64(s, 5),
                  sqlite3_column_int64(s, 6), sqlite3_column_int64(s, 7)};
}

bool is_disk_error(int code) {
  int primary = code & 0xff;
  return primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN;
}

// fsync of the directory itself: the names in it (the database's) survive a power cut.
Status sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::error("open " + dir + ": " + std::strerror(errno));
  const int synced = fsync(fd);
  const int error = errno;
  close(fd);
  if (synced != 0) return Status::error("fsync " + dir + ": " + std::strerror(error));
  return Status::ok();
}

}  // namespace

std::string account_id(int64_t i) { return "acct-" + std::to_string(i); }

Result<std::unique_ptr<LedgerStore>> LedgerStore::open(const std::string& data_dir,
                                                       const LedgerStoreOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::error("ledger store " + data_dir + ": " + ec.message());
  std::string path = data_dir + "/ledger.sqlite";
  auto opened = open_sqlite(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!opened) return opened.status().with_context("ledger store " + path);
  sqlite3* db = *opened;
  std::unique_ptr<LedgerStore> store(new LedgerStore(db));
  sqlite3_busy_timeout(db, 1000);
  std::string pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + options.synchronous + ";";
  for (const char* sql : {pragmas.c_str(), kSchema}) {
    if (Status s = store->exec(sql); !s) return s.with_context("ledger store " + path);
  }
  if (Status s = store->prepare_statements(); !s) return s.with_context("ledger store " + path);
  if (Status s = store->load_state(options); !s) return s.with_context("ledger store " + path);
  // What the ledger starts with is durable before it serves, whatever `synchronous` says: the
  // schema and the accounts (a checkpoint syncs the log and the database), and the database's
  // own name (SQLite syncs the directory for its log files, never for the database it creates).
  if (Status s = store->exec("PRAGMA wal_checkpoint(TRUNCATE)"); !s) return s.with_context("ledger store " + path);
  if (Status s = sync_directory(data_dir); !s) return s.with_context("ledger store " + path);
  return store;
}

LedgerStore::LedgerStore(sqlite3* db) : db_(db) {}

LedgerStore::~LedgerStore() {
  for (sqlite3_stmt* s : {insert_transfer_, update_balance_, upsert_idempotency_,
                          find_idempotency_, read_after_, epoch_at_}) {
    sqlite3_finalize(s);
  }
  sqlite3_close(db_);
}

Status LedgerStore::exec(const char* sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::ok();
  std::string why = error ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  if (is_disk_error(rc)) disk_full_ = true;
  return Status::error(why);
}

Status LedgerStore::prepare_statements() {
  struct {
    sqlite3_stmt** statement;
    const char* sql;
  } const statements[] = {
      {&insert_transfer_,
       "INSERT INTO transfers(position, epoch, idempotency_key, from_account, to_account, amount,"
       " client_timestamp_ms, committed_at_ms) VALUES(?,?,?,?,?,?,?,?)"},
      {&update_balance_, "UPDATE accounts SET balance = balance + ? WHERE id = ?"},
      {&upsert_idempotency_,
       "INSERT OR REPLACE INTO idempotency(key, position, created_ms) VALUES(?,?,?)"},
      {&find_idempotency_, "SELECT position, created_ms FROM idempotency WHERE key = ?"},
      {&read_after_,
       "SELECT position, epoch, idempotency_key, from_account, to_account, amount,"
       " client_timestamp_ms, committed_at_ms FROM transfers WHERE position > ?"
       " ORDER BY position LIMIT ?"},
      {&epoch_at_, "SELECT epoch FROM transfers WHERE position = ?"},
  };
  for (const auto& [statement, sql] : statements) {
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, statement, nullptr) !=
        SQLITE_OK) {
      return Status::error(std::string("prepare: ") + sqlite3_errmsg(db_));
    }
  }
  return Status::ok();
}

Status LedgerStore::load_state(const LedgerStoreOptions& options) {
  // First open: create the accounts with their opening balances, identical on every node.
  sqlite3_stmt* count = nullptr;
  sqlite3_prepare_v2(db_, "SELECT count(*) FROM accounts", -1, &count, nullptr);
  sqlite3_step(count);
  int64_t existing = sqlite3_column_int64(count, 0);
  sqlite3_finalize(count);
  if (existing == 0) {
    if (Status s = exec("BEGIN"); !s) return s;
    sqlite3_stmt* insert = nullptr;
    sqlite3_prepare_v2(db_, "INSERT INTO accounts(id, balance) VALUES(?, ?)", -1, &insert,
                       nullptr);
    for (int64_t i = 1; i <= options.accounts; ++i) {
      bind_text(insert, 1, account_id(i));
      sqlite3_bind_int64(insert, 2, options.initial_balance);
      int rc = sqlite3_step(insert);
      sqlite3_reset(insert);
      if (rc != SQLITE_DONE) {
        sqlite3_finalize(insert);
        (void)exec("ROLLBACK");
        return Status::error(std::string("create accounts: ") + sqlite3_errmsg(db_));
      }
    }
    sqlite3_finalize(insert);
    if (Status s = exec("INSERT OR IGNORE INTO meta(key, value) VALUES('epoch', 0)"); !s) return s;
    if (Status s = exec("COMMIT"); !s) return s;
  }
  if (Status s = reload_balances(); !s) return s;

  sqlite3_stmt* query = nullptr;
  sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE key = 'epoch'", -1, &query, nullptr);
  if (sqlite3_step(query) == SQLITE_ROW) epoch_ = sqlite3_column_int64(query, 0);
  sqlite3_finalize(query);

  sqlite3_prepare_v2(db_, "SELECT epoch, min(position), max(position) FROM transfers GROUP BY epoch"
                     " ORDER BY epoch", -1, &query, nullptr);
  while (sqlite3_step(query) == SQLITE_ROW) {
    epoch_starts_.emplace_back(sqlite3_column_int64(query, 0), sqlite3_column_int64(query, 1));
    last_epoch_ = sqlite3_column_int64(query, 0);
    last_position_ = std::max<int64_t>(last_position_, sqlite3_column_int64(query, 2));
  }
  sqlite3_finalize(query);
  reload_max_committed();
  return Status::ok();
}

void LedgerStore::reload_max_committed() {
  sqlite3_stmt* query = nullptr;
  sqlite3_prepare_v2(db_, "SELECT coalesce(max(committed_at_ms), 0) FROM transfers", -1, &query, nullptr);
  max_committed_at_ms_ = sqlite3_step(query) == SQLITE_ROW ? sqlite3_column_int64(query, 0) : 0;
  sqlite3_finalize(query);
}

Status LedgerStore::reload_balances() {
  balances_.clear();
  sqlite3_stmt* query = nullptr;
  sqlite3_prepare_v2(db_, "SELECT id, balance FROM accounts", -1, &query, nullptr);
  while (sqlite3_step(query) == SQLITE_ROW) {
    balances_[column_text(query, 0)] = sqlite3_column_int64(query, 1);
  }
  sqlite3_finalize(query);
  return Status::ok();
}

Status LedgerStore::set_epoch(int64_t epoch) {
  std::string sql = "INSERT OR REPLACE INTO meta(key, value) VALUES('epoch', " +
                    std::to_string(epoch) + ")";
  if (Status s = exec(sql.c_str()); !s) return s.with_context("set epoch");
  epoch_ = epoch;
  return Status::ok();
}

std::optional<int64_t> LedgerStore::balance(const std::string& account) const {
  auto it = balances_.find(account);
  if (it == balances_.end()) return std::nullopt;
  return it->second;
}

int64_t LedgerStore::total_money() const {
  int64_t total = 0;
  for (const auto& [id, amount] : balances_) total += amount;
  return total;
}

Status LedgerStore::fail_write(const char* what) {
  int rc = sqlite3_extended_errcode(db_);
  std::string why = std::string(what) + ": " + sqlite3_errmsg(db_);
  if (is_disk_error(rc)) disk_full_ = true;
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return Status::error(why);
}

Status LedgerStore::append(const std::vector<Transfer>& batch) {
  if (batch.empty()) return Status::ok();
  if (!exec("BEGIN IMMEDIATE")) return fail_write("begin");
  int64_t expected = last_position_ + 1;
  for (const Transfer& t : batch) {
    if (t.position != expected++) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return Status::error("append: position " + std::to_string(t.position) +
                           " does not follow " + std::to_string(expected - 2));
    }
    {
      StatementUse use(insert_transfer_);
      sqlite3_bind_int64(insert_transfer_, 1, t.position);
      sqlite3_bind_int64(insert_transfer_, 2, t.epoch);
      bind_text(insert_transfer_, 3, t.idempotency_key);
      bind_text(insert_transfer_, 4, t.from);
      bind_text(insert_transfer_, 5, t.to);
      sqlite3_bind_int64(insert_transfer_, 6, t.amount);
      sqlite3_bind_int64(insert_transfer_, 7, t.client_timestamp_ms);
      sqlite3_bind_int64(insert_transfer_, 8, t.committed_at_ms);
      if (sqlite3_step(insert_transfer_) != SQLITE_DONE) return fail_write("insert transfer");
    }
    for (auto [account, delta] : {std::pair{&t.from, -t.amount}, std::pair{&t.to, t.amount}}) {
      StatementUse use(update_balance_);
      sqlite3_bind_int64(update_balance_, 1, delta);
      bind_text(update_balance_, 2, *account);
      if (sqlite3_step(update_balance_) != SQLITE_DONE) return fail_write("update balance");
    }
    {
      StatementUse use(upsert_idempotency_);
      bind_text(upsert_idempotency_, 1, t.idempotency_key);
      sqlite3_bind_int64(upsert_idempotency_, 2, t.position);
      sqlite3_bind_int64(upsert_idempotency_, 3, t.committed_at_ms);
      if (sqlite3_step(upsert_idempotency_) != SQLITE_DONE) return fail_write("record key");
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail_write("commit");
  }
  disk_full_ = false;
  for (const Transfer& t : batch) {
    balances_[t.from] -= t.amount;
    balances_[t.to] += t.amount;
    max_committed_at_ms_ = std::max(max_committed_at_ms_, t.committed_at_ms);
    if (epoch_starts_.empty() || epoch_starts_.back().first != t.epoch) {
      epoch_starts_.emplace_back(t.epoch, t.position);
    }
  }
  last_position_ = batch.back().position;
  last_epoch_ = batch.back().epoch;
  return Status::ok();
}

Result<std::vector<Transfer>> LedgerStore::truncate_after(int64_t position) {
  auto removed = read_after(position, static_cast<std::size_t>(last_position_ - position + 1));
  if (!removed) return removed.status();
  if (removed->empty()) return removed;
  if (!exec("BEGIN IMMEDIATE")) return fail_write("begin");
  std::string p = std::to_string(position);
  std::string undo =
      "UPDATE accounts SET balance = balance"
      " + coalesce((SELECT sum(amount) FROM transfers WHERE position > " + p +
      " AND from_account = accounts.id), 0)"
      " - coalesce((SELECT sum(amount) FROM transfers WHERE position > " + p +
      " AND to_account = accounts.id), 0);"
      "DELETE FROM idempotency WHERE position > " + p + ";"
      "DELETE FROM transfers WHERE position > " + p + ";";
  if (!exec(undo.c_str())) return fail_write("truncate");
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail_write("commit truncate");
  }
  (void)reload_balances();
  reload_max_committed();
  while (!epoch_starts_.empty() && epoch_starts_.back().second > position) epoch_starts_.pop_back();
  last_position_ = position;
  last_epoch_ = epoch_starts_.empty() ? 0 : epoch_starts_.back().first;
  if (truncate_listener_) truncate_listener_(position);
  return removed;
}

Result<std::vector<Transfer>> LedgerStore::read_after(int64_t position,
                                                      std::size_t count_max) const {
  std::vector<Transfer> out;
  StatementUse use(read_after_);
  sqlite3_bind_int64(read_after_, 1, position);
  sqlite3_bind_int64(read_after_, 2, static_cast<int64_t>(count_max));
  int rc;
  while ((rc = sqlite3_step(read_after_)) == SQLITE_ROW) out.push_back(read_transfer_row(read_after_));
  if (rc != SQLITE_DONE) return Status::error(std::string("read log: ") + sqlite3_errmsg(db_));
  return out;
}

std::optional<Transfer> LedgerStore::transfer_at(int64_t position) const {
  auto rows = read_after(position - 1, 1);
  if (!rows || rows->empty() || rows->front().position != position) return std::nullopt;
  return rows->front();
}

std::optional<int64_t> LedgerStore::epoch_at(int64_t position) const {
  if (position == 0) return 0;
  StatementUse use(epoch_at_);
  sqlite3_bind_int64(epoch_at_, 1, position);
  if (sqlite3_step(epoch_at_) != SQLITE_ROW) return std::nullopt;
  return sqlite3_column_int64(epoch_at_, 0);
}

int64_t LedgerStore::last_position_in_epoch_at_most(int64_t epoch) const {
  // The entries of epoch e run from its start to the start of the next epoch present, minus one.
  for (std::size_t i = 0; i < epoch_starts_.size(); ++i) {
    if (epoch_starts_[i].first > epoch) return epoch_starts_[i].second - 1;
  }
  return last_position_;
}

std::optional<IdempotencyRecord> LedgerStore::find_idempotency(const std::string& key) const {
  StatementUse use(find_idempotency_);
  bind_text(find_idempotency_, 1, key);
  if (sqlite3_step(find_idempotency_) != SQLITE_ROW) return std::nullopt;
  return IdempotencyRecord{sqlite3_column_int64(find_idempotency_, 0),
                           sqlite3_column_int64(find_idempotency_, 1)};
}

Result<int64_t> LedgerStore::expire_idempotency(int64_t created_before_ms) {
  std::string sql =
      "DELETE FROM idempotency WHERE created_ms < " + std::to_string(created_before_ms);
  if (Status s = exec(sql.c_str()); !s) return s.with_context("expire idempotency keys");
  return static_cast<int64_t>(sqlite3_changes(db_));
}

Status LedgerStore::export_ndjson(const std::function<void(const std::string&)>& sink) const {
  sqlite3_stmt* query = nullptr;
  sqlite3_prepare_v2(db_,
                     "SELECT position, epoch, idempotency_key, from_account, to_account, amount,"
                     " client_timestamp_ms, committed_at_ms FROM transfers ORDER BY position",
                     -1, &query, nullptr);
  int rc;
  while ((rc = sqlite3_step(query)) == SQLITE_ROW) sink(transfer_export_line(read_transfer_row(query)));
  sqlite3_finalize(query);
  if (rc != SQLITE_DONE) return Status::error(std::string("export: ") + sqlite3_errmsg(db_));
  return Status::ok();
}

Status LedgerStore::probe_write(int64_t now_ms) {
  std::string sql =
      "INSERT OR REPLACE INTO meta(key, value) VALUES('probe', " + std::to_string(now_ms) + ")";
  if (Status s = exec(sql.c_str()); !s) return s.with_context("probe write");
  disk_full_ = false;
  return Status::ok();
}

}  // namespace refpay
