// Scheduled hot full backups and archive segments of one ledger node; see backup_agent.h.
#include "backup/backup_agent.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <chrono>
#include <filesystem>

#include "backup/backup_writer.h"
#include "common/clock.h"
#include "ledger/ledger_store.h"

namespace asio = boost::asio;

namespace refpay::backup {

struct BackupAgent::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_context, LedgerStore& s, BackupOptions o, std::string n)
      : io(io_context), store(s), options(std::move(o)), node(std::move(n)), full_timer(io_context),
        archive_timer(io_context) {}

  asio::io_context& io;
  LedgerStore& store;
  BackupOptions options;
  std::string node;
  asio::steady_timer full_timer;
  asio::steady_timer archive_timer;
  std::shared_ptr<spdlog::logger> log = spdlog::default_logger();
  bool stopped = false;
  std::unique_ptr<HotBackup> hot;  // in progress
  Clock::time_point hot_started;
  bool archiving = false;
  BackupStats stats;

  Status start() {
    if (Status s = ensure_dir(); !s) return s;
    if (int n = remove_temp_files(options.dir); n > 0) {
      log->warn("ledger {}: removed {} unfinished backup files from {}", node, n, options.dir);
    }
    if (Status s = set_aside_what_the_log_lacks(); !s) return s.with_context("backup dir " + options.dir);
    if (Status s = refresh_positions(store.last_position()); !s) return s.with_context("backup dir " + options.dir);
    std::weak_ptr<Impl> weak = shared_from_this();
    store.set_truncate_listener([weak](int64_t kept) {
      if (auto self = weak.lock()) self->on_truncated(kept);
    });
    log->info("ledger {}: backups to {} (full every {} ms, archive every {} ms); newest full at {}, archived to {}",
              node, options.dir, options.full_interval_ms, options.archive_interval_ms,
              stats.full_position, stats.archived_position);
    schedule_full();
    schedule_archive();
    return Status::ok();
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    full_timer.cancel();
    archive_timer.cancel();
    hot.reset();
    store.set_truncate_listener(nullptr);
  }

  void fail(const std::string& what, const Status& status) {
    ++stats.failures;
    log->error("ledger {}: {} failed: {}", node, what, status.message());
  }

  // Backups that this log does not hold describe another history (or a longer one that was
  // lost): they are set aside, not used as a base, and not deleted.
  Status set_aside_what_the_log_lacks() {
    auto catalog = scan_catalog(options.dir);
    if (!catalog) return catalog.status();
    std::vector<CatalogEntry> stale;
    for (const auto* list : {&catalog->fulls, &catalog->segments}) {
      for (const auto& entry : *list) {
        int64_t last = entry.name.last_position;
        bool held = last <= store.last_position();
        if (held && last > 0 && entry.manifest) {
          auto transfer = store.transfer_at(last);
          held = transfer && transfer->idempotency_key == entry.manifest->span.last_idempotency_key;
        }
        if (!held) stale.push_back(entry);
      }
    }
    if (stale.empty()) return Status::ok();
    log->warn("ledger {}: {} backups in {} are not in this node's log (which ends at position {}); moved to "
              "{}/superseded",
              node, stale.size(), options.dir, store.last_position(), options.dir);
    return set_aside(stale, options.dir);
  }

  // The newest full backup and archived position among the backups at or before `position_max`.
  Status refresh_positions(int64_t position_max) {
    auto catalog = scan_catalog(options.dir);
    if (!catalog) return catalog.status();
    stats.full_position = -1;
    stats.archived_position = 0;
    for (const auto& e : catalog->fulls) {
      if (e.name.last_position <= position_max) stats.full_position = std::max(stats.full_position, e.name.last_position);
    }
    for (const auto& e : catalog->segments) {
      if (e.name.last_position <= position_max) {
        stats.archived_position = std::max(stats.archived_position, e.name.last_position);
      }
    }
    return Status::ok();
  }

  void on_truncated(int64_t kept) {
    auto removed = remove_after(options.dir, kept);
    if (!removed) {
      fail("removing backups past truncated position " + std::to_string(kept), removed.status());
    } else if (*removed > 0) {
      stats.invalidated += *removed;
      log->warn("ledger {}: log truncated after position {}: removed {} backups past it", node, kept, *removed);
    }
    if (Status s = refresh_positions(kept); !s) fail("rescanning backups", s);
  }

  // ---- full backups ---------------------------------------------------------------------------

  void schedule_full() {
    if (options.full_interval_ms <= 0 || stopped) return;
    full_timer.expires_after(milliseconds(options.full_interval_ms));
    full_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped) return;
      auto started = self->begin_full();
      if (!started) self->fail("hot backup", started.status());
      if (started && *started) self->step_full();
      self->schedule_full();
    });
  }

  // Starts a hot backup unless one runs or the log has not moved since the newest full backup.
  // The directory again, in case someone removed it while the node ran.
  Status ensure_dir() {
    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
    if (ec) return Status::error("backup dir " + options.dir + ": " + ec.message());
    return Status::ok();
  }

  Result<bool> begin_full() {
    if (hot || store.last_position() == stats.full_position) return false;
    if (Status s = ensure_dir(); !s) return s;
    auto started = HotBackup::start(store, options.dir, node);
    if (!started) return started.status();
    hot = std::move(*started);
    hot_started = Clock::now();
    return true;
  }

  void step_full() {
    if (stopped || !hot) return;
    auto done = hot->step();
    if (!done) {
      fail("hot backup", done.status());
      hot.reset();
      return;
    }
    if (!*done) {
      asio::post(io, [self = shared_from_this()] { self->step_full(); });
      return;
    }
    finish_full();
  }

  void finish_full() {
    const Manifest& m = hot->manifest();
    stats.full_position = m.span.last_position;
    ++stats.full_backups;
    auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - hot_started).count();
    log->info("ledger {}: hot backup {} ({} transfers, {} bytes) in {} ms", node, m.file, m.span.entries, m.bytes,
              elapsed);
    hot.reset();
    auto pruned = prune(options.dir, options.full_keep);
    if (!pruned) fail("pruning old backups", pruned.status());
  }

  Status backup_now() {
    if (!hot) {
      auto started = begin_full();
      if (!started) {
        ++stats.failures;
        return started.status();
      }
    }
    while (hot) {
      auto done = hot->step();
      if (!done) {
        hot.reset();
        ++stats.failures;
        return done.status();
      }
      if (*done) finish_full();
    }
    return Status::ok();
  }

  // ---- archive --------------------------------------------------------------------------------

  void schedule_archive() {
    if (options.archive_interval_ms <= 0 || stopped) return;
    archive_timer.expires_after(milliseconds(options.archive_interval_ms));
    archive_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped) return;
      if (!self->archiving && self->stats.archived_position < self->store.last_position()) {
        self->archiving = true;
        self->step_archive();
      }
      self->schedule_archive();
    });
  }

  // Writes one segment; true when there may be more to archive.
  Result<bool> archive_one() {
    if (Status s = ensure_dir(); !s) return s;
    auto written = write_archive_segment(store, options.dir, node, stats.archived_position);
    if (!written) return written.status();
    if (!*written) return false;
    stats.archived_position = (*written)->span.last_position;
    ++stats.segments;
    return stats.archived_position < store.last_position();
  }

  void step_archive() {
    if (stopped) return;
    auto more = archive_one();
    if (!more) fail("archive", more.status());
    if (!more || !*more) {
      archiving = false;
      return;
    }
    asio::post(io, [self = shared_from_this()] { self->step_archive(); });
  }

  Status archive_now() {
    for (;;) {
      auto more = archive_one();
      if (!more) {
        ++stats.failures;
        return more.status();
      }
      if (!*more) return Status::ok();
    }
  }
};

BackupAgent::BackupAgent(asio::io_context& io, LedgerStore& store, BackupOptions options, std::string node)
    : impl_(std::make_shared<Impl>(io, store, std::move(options), std::move(node))) {}

BackupAgent::~BackupAgent() { impl_->stop(); }

Status BackupAgent::start() { return impl_->start(); }
void BackupAgent::stop() { impl_->stop(); }
Status BackupAgent::backup_now() { return impl_->backup_now(); }
Status BackupAgent::archive_now() { return impl_->archive_now(); }
BackupStats BackupAgent::stats() const { return impl_->stats; }

}  // namespace refpay::backup
