// refpay-backup: backups made from outside a running ledger. One subcommand for now:
//   refpay-backup cold --data-dir D --backup-dir B --node NAME
// a cold full backup of a STOPPED node's data directory into B (the layout of backup_store.h,
// kind "cold"). Refused while a ledger holds D's lock. Prints one JSON line on stdout (the
// contract is in sample-system/README.md §10); exit 0, 64 usage, 66 no database in D, 74 I/O
// error, 75 the node is running.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "backup/backup_writer.h"
#include "backup/restore.h"
#include "ledger/data_dir_lock.h"

namespace json = boost::json;
using namespace refpay;
using namespace refpay::backup;

namespace {

int fail(int code, const std::string& error) {
  std::cout << json::serialize(json::object{{"ok", false}, {"error", error}}) << "\n";
  std::cerr << "refpay-backup: " << error << "\n";
  return code;
}

int cold(const std::string& data_dir, const std::string& backup_dir, const std::string& node) {
  auto started = std::chrono::steady_clock::now();
  if (!std::filesystem::is_regular_file(data_dir + "/ledger.sqlite")) {
    return fail(kExitNoBackup, "cold backup: " + data_dir + "/ledger.sqlite: no such database");
  }
  long holder = 0;
  if (DataDirLock::is_locked(data_dir, &holder)) {
    return fail(kExitLocked, "cold backup: data dir " + data_dir + " is in use by a running ledger (pid " +
                                 std::to_string(holder) + "): stop the node first, or use its hot backups");
  }
  // Held for the whole copy, so the node cannot start in the middle of it.
  auto lock = DataDirLock::acquire(data_dir);
  if (!lock) return fail(kExitLocked, "cold backup: " + lock.status().message());
  auto manifest = cold_backup(data_dir, backup_dir, node);
  if (!manifest) return fail(kExitIoError, manifest.status().message());
  auto duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  std::string file = (std::filesystem::path(backup_dir) / manifest->file).string();
  std::cout << json::serialize(json::object{{"ok", true},
                                            {"kind", "cold"},
                                            {"file", file},
                                            {"manifest", file + kManifestSuffix},
                                            {"last_position", manifest->span.last_position},
                                            {"last_idempotency_key", manifest->span.last_idempotency_key},
                                            {"bytes", manifest->bytes},
                                            {"sha256", manifest->sha256},
                                            {"duration_ms", static_cast<int64_t>(duration_ms)}})
            << "\n";
  std::cerr << "refpay-backup: cold backup of " << data_dir << " at position " << manifest->span.last_position
            << " written to " << file << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"refpay-backup: backups of a refpay ledger node made from outside it"};
  app.require_subcommand(1);
  std::string data_dir, backup_dir, node;
  CLI::App* cold_command = app.add_subcommand("cold", "cold full backup of a stopped node's data directory");
  cold_command->add_option("--data-dir", data_dir, "the stopped node's data directory")->required();
  cold_command->add_option("--backup-dir", backup_dir, "the node's backup directory (created)")->required();
  cold_command->add_option("--node", node, "the node's name, recorded in the manifest")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(kExitUsage, e.what());
  }
  return cold(data_dir, backup_dir, node);
}
