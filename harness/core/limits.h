// The limits of firedrill, named once with the unit last (STYLE.md habit 5). One section per area;
// each limit says what it bounds.
#pragma once

#include <cstddef>
#include <cstdint>

namespace firedrill {

// ---- scoring ----
// What report.json lists, how finely scoring looks at time, and how it reads a big run directory.
// The ids listed per reconciliation category (lost_ids, duplicated_ids, …) and lost payments.
inline constexpr std::size_t kReportIdsListedMax = 100'000;
// The step between steady-state evaluations when scoring looks for a recovery (report.json names
// it in every fault's uncertainty as steady_state_grid).
inline constexpr int64_t kSteadyStateGridNs = 100'000'000;
// report.html's chart never has more columns than this: buckets are 1 s wide, wider on long runs.
inline constexpr std::size_t kChartBucketsMax = 600;
// An export (or timeline.jsonl) is read this much at a time; a longer line grows the buffer.
inline constexpr std::size_t kLineReadBlockBytes = std::size_t{1} << 20;
// A line that is not of the common flat shape is parsed by boost::json into a stack buffer of
// this size (a larger record spills to the heap).
inline constexpr std::size_t kLineParseBufferBytes = 4096;

}  // namespace firedrill
