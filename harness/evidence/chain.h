// The timeline's hash chain (DESIGN.md §6): every record of timeline.jsonl carries "prev", the
// hex SHA-256 of the previous line's exact bytes (without its newline); the first record's prev
// is 64 zeros. Any edit, insertion, deletion or reordering breaks a link, except an edit of the
// last line, which only the chain head recorded elsewhere (the evidence manifest) reveals.
// Used by `verify` and by the evidence manifest. Reads the file as a stream: no size limit.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace firedrill {

// The `prev` of the first record.
inline const std::string kChainGenesis(64, '0');

// What a walk along the chain found.
struct ChainWalk {
  int64_t records = 0;  // lines read (records numbered from 0, lines from 1)
  std::string head;     // hex SHA-256 of the last line: the chain head (kChainGenesis when empty)
  Status status;        // the first broken link, naming its record and line
};

// Walks the whole chain of `timeline_path`. Errors read
// "timeline.jsonl: record 1234 (line 1235): prev does not match the previous line; record 1233
// (line 1234) was altered", "...: record 7 (line 8): unreadable (not a JSON object with a string
// \"prev\")", or "timeline.jsonl: unreadable: No such file or directory".
ChainWalk walk_chain(const std::string& timeline_path);

// Ok when every link of the chain holds; else the first broken record (see walk_chain).
Status check_chain(const std::string& timeline_path);

// The chain head of `timeline_path`, exactly walk_chain(timeline_path).head: hex SHA-256 of its
// last line; kChainGenesis for an empty file, "" when the file cannot be read. Reads only the
// file's tail (the auditor sections and the manifest need the head of a 450 MB timeline).
std::string chain_head(const std::string& timeline_path);

}  // namespace firedrill
