// The controller's side of a node's clock control page (clock_control.h): creates the page, sets
// and resets the skew that the node's clock shim (shim/clock_shim.cc) shows its processes, and
// reads the shim's acknowledgement. Used by the clock.skew fault and by the lab, which creates
// one page per node before the node starts.
//
// Threading: one writer. set() and reset() of one page must not run at the same time (from two
// threads or two ClockControlFile objects); generation() and seen() may run at any time, and any
// number of node processes read the page meanwhile. Ownership: the object owns its mapping
// (unmapped by the destructor); the file stays until the run directory goes.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "lab/clock/clock_control.h"
#include "core/status.h"

namespace firedrill {

// The largest |offset| set() accepts: 100 years either way.
constexpr int64_t clock_offset_ns_max = int64_t{100} * 365 * 24 * 3600 * 1'000'000'000;
// The slowest and fastest rate set() accepts (1 = normal speed).
constexpr double clock_rate_min = 0.001;
constexpr double clock_rate_max = 1'000.0;

// A node's clock control page, mapped shared. Move-only.
class ClockControlFile {
 public:
  // The newest acknowledgement the shim wrote: the generation a process of the node (not a
  // witness) read, its pid, and the real and shown CLOCK_REALTIME of that read. All zero until
  // a process acknowledges.
  struct Seen {
    uint64_t generation = 0;
    int64_t pid = 0;
    int64_t real_ns = 0;
    int64_t fake_ns = 0;
  };

  // Creates the page at `path` (mode 0644) holding the identity (no skew), replacing any file
  // there. The page is written beside `path` and renamed onto it, so a process never maps a half
  // written page, and one that mapped a file previously at `path` keeps that (stale) page rather
  // than fault on a truncated one: create a node's page before the node starts.
  static Result<ClockControlFile> create(const std::string& path);
  // Maps the existing page at `path`; fails unless it is a page (size and magic).
  static Result<ClockControlFile> open(const std::string& path);

  ClockControlFile(ClockControlFile&& other) noexcept;
  ClockControlFile& operator=(ClockControlFile&& other) noexcept;
  ClockControlFile(const ClockControlFile&) = delete;
  ClockControlFile& operator=(const ClockControlFile&) = delete;
  ~ClockControlFile();

  // From now on the node's wall clock reads `offset_ns` ahead of real time (behind when negative)
  // and runs `rate` times as fast: anchored at the real CLOCK_REALTIME `now`, {now, now + offset,
  // rate}. A new generation; running processes see it on their next clock read. Fails, leaving
  // the page as it was, when |offset_ns| > clock_offset_ns_max or the rate is outside
  // [clock_rate_min, clock_rate_max].
  Status set(int64_t offset_ns, double rate);
  // Back to real time (the identity {0, 0, 1}); a new generation.
  Status reset();
  // The generation of the newest set() or reset() (0: none since create()).
  uint64_t generation() const;
  // The shim's newest acknowledgement.
  Seen seen() const;
  // The file's path, as given to create() or open().
  const std::string& path() const { return path_; }

 private:
  ClockControlFile(std::string path, ClockControl* page) : path_(std::move(path)), page_(page) {}
  // Writes the anchors and the rate under the seqlock and bumps the generation.
  void write(int64_t real_anchor_ns, int64_t fake_anchor_ns, double rate);

  std::string path_;
  ClockControl* page_ = nullptr;  // null once moved from
};

}  // namespace firedrill
