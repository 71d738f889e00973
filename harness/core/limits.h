// The limits of firedrill, named once with the unit last (STYLE.md habit 5). One section per area;
// each limit says what it bounds.
#pragma once

#include <cstddef>

namespace firedrill {

// ---- timeline ----
// The timeline reader (timeline/reader.cc) reads the file this much at a time: small enough that
// a block stays in the cache while its lines are decoded. A longer line grows the buffer.
inline constexpr std::size_t kTimelineReadBlockBytes = std::size_t{1} << 20;
// A line that is not a workload record is parsed by boost::json into a buffer of this size (a
// larger one spills to the heap): every record the controller writes fits.
inline constexpr std::size_t kTimelineParseBufferBytes = 16 * 1024;

}  // namespace firedrill
