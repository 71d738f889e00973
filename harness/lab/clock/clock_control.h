// The clock control page: how the controller tells a node's clock shim (harness/lab/clock/shim/) what
// wall-clock time to show. One page per node, a file in the run directory's clock/ folder, mapped
// MAP_SHARED by the controller (writer) and by every process of the node that loads the shim
// (readers), so a clock read costs a few memory loads and no system call.
//
// The node reads  fake(real) = fake_anchor_ns + (real - real_anchor_ns) * rate  for CLOCK_REALTIME
// (and its coarse variant, gettimeofday, time, timespec_get); every other clock stays real. The
// identity is {0, 0, 1}. A skew set at real time A with offset D and rate r is {A, A + D, r}: from
// the apply on, the node's clock is D ahead and runs r times as fast; a revert sets the identity.
//
// Consistency: a seqlock. The writer makes `sequence` odd, writes the fields, makes it even again;
// a reader retries while it is odd or changed under it. Only the controller writes the anchors.
// The shim writes the acknowledgement fields (`seen_*`) when one of the node's processes reads a
// generation it had not read before, so the controller can tell the node's own process read the
// skew, not only a witness.
//
// This header is shared by the controller (C++) and the shim (built without the C++ library): it
// uses only fixed-size types and std::atomic of lock-free integers.
#pragma once

#include <atomic>
#include <cstdint>

namespace firedrill {

// "FDCLOCK1", little-endian: a page that does not start with it is not a control page.
constexpr uint64_t clock_control_magic = 0x314B434F4C434446ull;
// The control file is exactly one page.
constexpr std::size_t clock_control_bytes = 4096;
// The environment variable naming the control file in a node that loads the shim.
constexpr const char* clock_control_env = "FIREDRILL_CLOCK_CONTROL";
// Set to "1" in the environment of a witness: a process the controller starts only to read the
// node's clock. The shim shows it the skew but does not acknowledge, so an acknowledgement proves
// that a process of the node itself read the skew.
constexpr const char* clock_witness_env = "FIREDRILL_CLOCK_WITNESS";

struct ClockControl {
  uint64_t magic;
  std::atomic<uint32_t> sequence;     // seqlock: odd while the writer is writing
  uint32_t reserved;
  std::atomic<int64_t> real_anchor_ns;  // real CLOCK_REALTIME at the anchor
  std::atomic<int64_t> fake_anchor_ns;  // what the node reads at the anchor
  std::atomic<uint64_t> rate_bits;      // the rate, a double's bits (1.0 = normal speed)
  std::atomic<uint64_t> generation;     // +1 on every write; 0 = never written after creation
  // Written by the shim: the newest generation a node process (not a witness) read, which
  // process read it, and the real and shown times of that read.
  std::atomic<uint64_t> seen_generation;
  std::atomic<int64_t> seen_pid;
  std::atomic<int64_t> seen_real_ns;
  std::atomic<int64_t> seen_fake_ns;
};
static_assert(sizeof(ClockControl) <= clock_control_bytes);
static_assert(std::atomic<int64_t>::is_always_lock_free && std::atomic<uint64_t>::is_always_lock_free);

}  // namespace firedrill
