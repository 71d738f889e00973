// Stage one of scoring: reading a run directory (DESIGN.md §5) into RunData — run.json,
// timeline.jsonl (timeline_lines.h) and the final reads of exports/ (an export file is named, not
// read: score() reads it a block at a time).
#pragma once

#include <string>

#include "core/status.h"
#include "scoring/run_data.h"

namespace firedrill {

// An error only when `dir` is not a run directory; damage inside it (run.json missing, an
// unreadable line) is kept in RunData::read_errors and scores as inconclusive.
Result<RunData> read_run_dir(const std::string& dir);

}  // namespace firedrill
