// refpay-restore: rebuilds a ledger's data directory from verified backups.
//   refpay-restore --data-dir D (--backup-dir DIR)... | --backup-store ROOT [--prefer NODE]
//                  [--until-position N | --until-committed-ms T] [--kind any|hot|cold] [--force]
// Prints ONE JSON line on stdout and a line for people on stderr; the line, the exit codes and
// the choice of chain are the contract of sample-system/README.md §10 (backup/restore.h).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "backup/restore.h"

using namespace refpay::backup;

int main(int argc, char** argv) {
  CLI::App app{"refpay-restore: rebuild a refpay ledger's data directory from verified backups"};
  RestoreOptions o;
  int64_t until_position = -1;
  int64_t until_committed_ms = -1;
  app.add_option("--data-dir", o.data_dir, "the data directory to rebuild (empty or absent, unless --force)");
  app.add_option("--backup-dir", o.backup_dirs, "a candidate backup directory (repeatable)");
  app.add_option("--backup-store", o.backup_store, "every subdirectory of this is a candidate backup directory");
  app.add_option("--prefer", o.prefer, "on a tie, the candidate directory with this name wins (the node's own)");
  app.add_option("--until-position", until_position, "restore no transfer after this position");
  app.add_option("--until-committed-ms", until_committed_ms,
                 "stop before the first transfer committed after this wall-clock time (Unix ms)");
  app.add_option("--kind", o.kind, "full backups allowed: any, hot or cold");
  app.add_flag("--force", o.force, "replace the database of a data directory that is not empty");
  RestoreOutcome outcome;
  try {
    app.parse(argc, argv);
    if (app.count("--until-position")) o.until_position = until_position;
    if (app.count("--until-committed-ms")) o.until_committed_ms = until_committed_ms;
    outcome = restore(o);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string error = std::string("usage: ") + e.what();
    outcome = RestoreOutcome{kExitUsage,
                             boost::json::serialize(boost::json::object{{"ok", false}, {"error", error}}) + "\n",
                             "refpay-restore: " + error + "\n"};
  }
  std::cout << outcome.json_line << std::flush;
  std::cerr << outcome.message;
  return outcome.exit_code;
}
