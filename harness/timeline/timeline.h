// Stage ④: the one timeline of a drill (DESIGN.md §1). Every workload operation, probe result,
// alert, process event, fault step and phase change is appended as one JSON line to
// timeline.jsonl in the run directory, written through at once so that a killed controller
// leaves everything it saw. Times are the controller's monotonic clock in nanoseconds since the
// drill started (never a clock of the system under test); the first record anchors that clock
// to UTC. Each record carries the SHA-256 of the previous line ("prev"), so any later edit
// breaks the chain.
//
// Thread-safe: records may come from the io_context thread and from helpers.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>

#include "core/status.h"
#include "timeline/record.h"

namespace firedrill {

class Timeline {
 public:
  // Creates (truncates) `path` and writes the anchor record (HarnessStart, its `utc` now).
  static Result<std::unique_ptr<Timeline>> create(const std::string& path, HarnessStart anchor = {});
  ~Timeline();
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;

  // Appends `r` (any record of records/*.h) as {"seq":N, "t_ns":..., "source":..., "kind":...,
  // <its fields>, "prev":"<sha256>"}. Returns the record's time. A write error is remembered
  // (status()) and further records are still attempted, so a full disk loses as little as possible.
  template <KnownRecord R>
  int64_t write(const R& r) {
    return record(R::source, R::kind, record_codec::encode_fields(r));
  }
  // A record chosen at run time (fault_apply_outcome(), workload_completion(), a TimelineRecord).
  template <class... R>
  int64_t write(const std::variant<R...>& r) {
    return std::visit([this](const auto& one) { return write(one); }, r);
  }
  // A record of a (source, kind) this build does not know, as it was read.
  int64_t write(const UnknownRecord& r) { return record(r.source, r.kind, r.fields); }

  // The monotonic time now, in ns since the drill started.
  int64_t now_ns() const;
  // The first write error, if any.
  Status status() const;
  // SHA-256 (hex) of the last line written: the chain head.
  std::string head() const;
  int64_t records() const;
  const std::string& path() const { return path_; }

 private:
  // The primitive under write(): the record of (source, kind) with these fields. Private, so that
  // every writer passes a typed record (records/*.h) and no (source, kind) literal lives elsewhere.
  int64_t record(std::string_view source, std::string_view kind, boost::json::object fields = {});
  Timeline(std::string path, int fd);
  void write_line(std::string line);

  std::string path_;
  int fd_ = -1;
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
  int64_t seq_ = 0;
  std::string prev_;  // hex SHA-256 of the previous line
  std::string error_;
};

// Milliseconds, for people: t_ns → "12.345s".
std::string format_offset(int64_t t_ns);

}  // namespace firedrill
