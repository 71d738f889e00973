// Durations and sizes as scenario files write them: "500ms", "30s", "2m", "1h", "1.5s";
// "64MiB", "512KiB", "1GiB". Units are always written; a bare number is an error.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace firedrill {

using Milliseconds = std::chrono::milliseconds;

// Parses a duration; the error says what a valid one looks like.
Result<Milliseconds> parse_duration(std::string_view text);
// The shortest exact spelling: 1500 → "1500ms", 30000 → "30s", 90000 → "90s", 120000 → "2m".
std::string format_duration(Milliseconds duration);

// Parses a byte size with a binary unit (B, KiB, MiB, GiB).
Result<int64_t> parse_size_bytes(std::string_view text);

}  // namespace firedrill
