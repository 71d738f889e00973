// Opening a SQLite database, shared by the ledger's store and the backup's reads of a snapshot.
#pragma once

#include <sqlite3.h>

#include <string>

#include "common/status.h"

namespace refpay {

// Opens `name` (a path, or a file: URI when `flags` has SQLITE_OPEN_URI). SQLite may hand back a
// handle even when opening fails; it is closed here, and the error is SQLite's reason alone, so the
// caller says what it was opening.
inline Result<sqlite3*> open_sqlite(const std::string& name, int flags) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(name.c_str(), &db, flags, nullptr);
  if (rc == SQLITE_OK) return db;
  std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  sqlite3_close(db);
  return Status::error(why);
}

}  // namespace refpay
