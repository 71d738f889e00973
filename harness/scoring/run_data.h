// A run directory as scoring holds it once read (run_dir_reader.h): run.json, the timeline (the
// workload's records compact, the others as JSON), the final reads. score() is a pure function
// of it; tests and fuzzers build one by hand.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "scoring/export_source.h"
#include "scoring/string_table.h"

namespace firedrill {

// One workload record of timeline.jsonl (source "workload", kind invoke/ok/fail/unknown/
// skipped), compact. Numbers read as the scorer reads them (0 when absent; op -1).
struct WorkloadRecord {
  enum Kind : uint8_t { invoke, ok, fail, unknown, skipped };
  enum Flags : uint8_t { has_t = 1, has_latency = 2 };
  int64_t t_ns = 0;
  int64_t op = -1;
  int64_t value = 0;                   // amount (invoke) or latency_ns (completions)
  uint32_t key = 0, from = 0, to = 0;  // StringTable ids
  uint8_t kind = invoke;
  uint8_t flags = 0;
};

// Everything scoring reads.
struct RunData {
  boost::json::object run;                      // run.json
  std::vector<boost::json::object> timeline;    // timeline.jsonl, in order, but the workload's
                                                // records that `workload` holds
  std::vector<WorkloadRecord> workload;         // the workload's records, in order
  StringTable strings;                          // the strings `workload` names
  std::map<std::string, ExportSource> exports;  // node → its NDJSON export (text or file)
  std::map<std::string, std::string> balances;  // node → balances JSON text
  std::vector<std::string> read_errors;         // unreadable lines or files (→ inconclusive)
};

}  // namespace firedrill
