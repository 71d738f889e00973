// Benchmark: refpay's backups and restores on a ledger of 1,000,000 transfers (issue [6/8]).
// The ledger is built directly through LedgerStore in batches of 10,000 on disk under a temp
// directory (not timed; a hot full backup is taken at 900,000 on the way). Then timed:
//   - a hot full backup of the 1M-transfer database (the stepped SQLite online backup the ledger
//     runs on its event loop, run to the end), with the longest single step: the longest a
//     payment could wait behind it;
//   - an archive of the whole log (500 segments of 2,000 transfers), with the longest segment;
//   - two restores with verification (refpay-restore's code, in process): from the 1M full backup
//     alone, and from the 900k full backup plus the 100k archived transfers after it.
// Target: each restore, verification included, under 10 s.
//   backup_restore_1m_bench [--transfers N] [--work-dir DIR]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "backup/backup_writer.h"
#include "backup/restore.h"
#include "ledger/ledger_store.h"

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using namespace refpay;

namespace {

constexpr double kRestoreSecondsMax = 10.0;
constexpr int64_t kAccounts = 64;
constexpr int64_t kBatch = 10'000;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
double mb(double bytes) { return bytes / 1e6; }

[[noreturn]] void die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "backup_restore_1m: %s: %s\n", what.c_str(), s.message().c_str());
  std::exit(2);
}

Transfer transfer(int64_t n) {
  const int64_t wall_ms = 1'795'822'552'703 + n / 10;
  return Transfer{n, 1 + n / 400'000, "63cbe1e459320dd7-" + std::to_string(n), account_id((n * 7) % kAccounts + 1),
                  account_id((n * 7 + 13) % kAccounts + 1), n % 100 + 1, wall_ms, wall_ms + 1};
}

void append_to(LedgerStore& store, int64_t last) {
  while (store.last_position() < last) {
    std::vector<Transfer> batch;
    for (int64_t p = store.last_position() + 1; p <= std::min(last, store.last_position() + kBatch); ++p) {
      batch.push_back(transfer(p));
    }
    if (Status s = store.append(batch); !s) die("append", s);
  }
}

// "1M", "100k", "20000": a count as the figures name it.
std::string count_name(int64_t n) {
  if (n % 1'000'000 == 0) return std::to_string(n / 1'000'000) + "M";
  if (n % 1'000 == 0) return std::to_string(n / 1'000) + "k";
  return std::to_string(n);
}

void row(const std::string& figure_text, const char* target, double measured, const char* unit, double target_value) {
  const char* figure = figure_text.c_str();
  if (target_value > 0) {
    std::printf("%-48s %10s %11.3f %-4s %8.2f\n", figure, target, measured, unit, measured / target_value);
  } else {
    std::printf("%-48s %10s %11.3f %-4s %8s\n", figure, target, measured, unit, "-");
  }
}

struct Timed {
  double seconds = 0;
  json::object line;
};

Timed timed_restore(const backup::RestoreOptions& options) {
  auto t0 = Clock::now();
  backup::RestoreOutcome outcome = backup::restore(options);
  Timed t{seconds_since(t0), {}};
  if (outcome.exit_code != 0) die("restore", Status::error(outcome.message));
  t.line = json::parse(outcome.json_line).as_object();
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"refpay hot backup, archive and verified restore on a 1M-transfer ledger"};
  int64_t transfers = 1'000'000;
  std::string work_dir;
  app.add_option("--transfers", transfers, "ledger size (the 'older' full backup is at 90%)")
      ->check(CLI::Range(int64_t{1000}, int64_t{100'000'000}));
  app.add_option("--work-dir", work_dir, "where the ledger and backups go (default: a new temp dir, removed)");
  CLI11_PARSE(app, argc, argv);
  bool remove_work_dir = work_dir.empty();
  if (work_dir.empty()) {
    std::string pattern = (fs::temp_directory_path() / "backup-restore-1m-XXXXXX").string();
    if (!mkdtemp(pattern.data())) die("mkdtemp", Status::error(pattern));
    work_dir = pattern;
  }
  const std::string data_dir = work_dir + "/ledger";
  const std::string older = work_dir + "/store/with-archive";  // full at 90% + the whole log archived
  const std::string newest = work_dir + "/store/newest-full";  // full at 100%
  fs::create_directories(older);
  fs::create_directories(newest);
  const int64_t older_position = transfers / 10 * 9;

  // Build (not timed): the same store options as a ledger, but synchronous=normal to build faster.
  auto g0 = Clock::now();
  auto opened = LedgerStore::open(data_dir, LedgerStoreOptions{kAccounts, 1'000'000'000, "normal"});
  if (!opened) die("open", opened.status());
  LedgerStore& store = **opened;
  append_to(store, older_position);
  {
    auto hot = backup::HotBackup::start(store, older, "ledger-1");
    if (!hot) die("hot backup", hot.status());
    if (auto m = (*hot)->run_to_end(); !m) die("hot backup", m.status());
  }
  append_to(store, transfers);
  const double build_s = seconds_since(g0);

  // Hot full backup of the whole database, step by step as the ledger's event loop runs it.
  auto hot = backup::HotBackup::start(store, newest, "ledger-1");
  if (!hot) die("hot backup", hot.status());
  double step_max_s = 0;
  int64_t steps = 0;
  auto h0 = Clock::now();
  for (bool done = false; !done; ++steps) {
    auto s0 = Clock::now();
    auto step = (*hot)->step();
    if (!step) die("hot backup", step.status());
    done = *step;
    step_max_s = std::max(step_max_s, seconds_since(s0));
  }
  const double hot_s = seconds_since(h0);
  const backup::Manifest full = (*hot)->manifest();
  hot->reset();

  // Archive of the whole log.
  auto a0 = Clock::now();
  int64_t archived = 0, segments = 0, archive_bytes = 0;
  double segment_max_s = 0;
  for (;;) {
    auto s0 = Clock::now();
    auto m = backup::write_archive_segment(store, older, "ledger-1", archived);
    segment_max_s = std::max(segment_max_s, seconds_since(s0));
    if (!m) die("archive", m.status());
    if (!*m) break;
    archived = (*m)->span.last_position;
    archive_bytes += (*m)->bytes;
    ++segments;
  }
  const double archive_s = seconds_since(a0);
  opened->reset();  // the ledger is "lost"; only the backups remain

  backup::RestoreOptions from_full;
  from_full.data_dir = work_dir + "/restored-full";
  from_full.backup_dirs = {newest};
  Timed r_full = timed_restore(from_full);
  backup::RestoreOptions from_archive;
  from_archive.data_dir = work_dir + "/restored-archive";
  from_archive.backup_dirs = {older};
  Timed r_archive = timed_restore(from_archive);

  bool ok = r_full.line.at("restored_position").as_int64() == transfers &&
            r_archive.line.at("restored_position").as_int64() == transfers &&
            r_archive.line.at("archive_segments").as_int64() > 0 &&
            r_full.line.at("restored_key") == json::value(transfer(transfers).idempotency_key);
  for (const std::string& dir : {from_full.data_dir, from_archive.data_dir}) {
    auto restored = LedgerStore::open(dir, LedgerStoreOptions{});
    ok = ok && restored && (*restored)->last_position() == transfers && (*restored)->total_money() == kAccounts * 1'000'000'000;
  }

  std::printf("backup_restore_1m: %lld transfers (database %.1f MB, archive %lld segments, %.1f MB) built in %.1f s in %s\n",
              static_cast<long long>(transfers), mb(static_cast<double>(full.bytes)), static_cast<long long>(segments),
              mb(static_cast<double>(archive_bytes)), build_s, work_dir.c_str());
  std::printf("hot backup in %lld steps\n", static_cast<long long>(steps));
  std::printf("restore from the full backup: %s", json::serialize(r_full.line).c_str());
  std::printf("\nrestore from full + archive: %s\n\n", json::serialize(r_archive.line).c_str());
  std::printf("%-48s %10s %16s %8s\n", "figure", "target", "measured", "ratio");
  row("hot full backup of " + count_name(transfers) + " transfers", "", hot_s, "s", 0);
  row("  hot full backup throughput", "", mb(static_cast<double>(full.bytes)) / hot_s, "MB/s", 0);
  row("  hot full backup longest step (loop blocked)", "", step_max_s * 1000, "ms", 0);
  row("archive of the whole log (2,000 per segment)", "", archive_s, "s", 0);
  row("  archive throughput", "", mb(static_cast<double>(archive_bytes)) / archive_s, "MB/s", 0);
  row("  archive longest step (one segment)", "", segment_max_s * 1000, "ms", 0);
  row("restore from the full backup, verified", "< 10 s", r_full.seconds, "s", kRestoreSecondsMax);
  row("  restore from full, verified MB/s", "", mb(static_cast<double>(r_full.line.at("bytes_verified").as_int64())) / r_full.seconds,
      "MB/s", 0);
  row("restore from full + " + count_name(transfers - older_position) + " archived, verified", "< 10 s", r_archive.seconds, "s", kRestoreSecondsMax);
  row("  restore from full + archive, verified MB/s", "", mb(static_cast<double>(r_archive.line.at("bytes_verified").as_int64())) / r_archive.seconds,
      "MB/s", 0);
  if (!ok) std::printf("\nunexpected restore result (positions, key or money)\n");
  std::fflush(stdout);
  if (remove_work_dir) {
    std::error_code ec;
    fs::remove_all(work_dir, ec);
  }
  return ok ? 0 : 1;
}
