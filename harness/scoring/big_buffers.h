// Room for the large arrays of a big run (a million payments: 2M workload records, 1M keys),
// made once and backed by huge pages. Growing them by doubling copied each several times, and on
// this machine's virtualised kernel a 4 KiB page fault costs microseconds: together they were a
// third of the time read_run_dir took. A huge page is only a hint (madvise); memory not touched
// is not resident, so reserving more than is used costs address space, not RSS.
#pragma once

#include <malloc.h>
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace firedrill {

constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

// Asks for huge pages under the whole 2 MiB pages of [data, data + bytes).
inline void advise_huge_pages(const void* data, std::size_t bytes) {
  const auto begin =
      (reinterpret_cast<uintptr_t>(data) + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  const auto end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHugePageBytes - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

// Reserves room for `n` elements in `v` (a vector or string) and asks for huge pages under it.
template <typename Container>
void reserve_big(Container& v, std::size_t n) {
  if (n <= v.capacity()) return;
  v.reserve(n);
  advise_huge_pages(v.data(), v.capacity() * sizeof(*v.data()));
}

// Keeps memory scoring frees for its next allocation instead of giving it back to the kernel.
// Scoring allocates and frees arrays of tens of MiB in turn (the index, each export's counts,
// the chart's series); glibc serves those from mmap and unmaps them on free, so each one faults
// in fresh zeroed pages, at microseconds a page on this machine's virtualised kernel: about a
// tenth of `firedrill score`'s time for a million payments (tests/bench/reconcile_1m.cc). The
// largest threshold glibc accepts (32 MiB) sends all but the biggest arrays to the heap, and the
// heap is not trimmed while the process runs. Process-wide: called only by commands that score.
inline void keep_freed_memory() {
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

}  // namespace firedrill
