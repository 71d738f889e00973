// Stage ⑤: scoring, a pure function of a run directory (DESIGN.md §5, §6). It reads run.json,
// timeline.jsonl and the final reads in exports/, and returns report.json: per fault T0,
// T_impact, T_detect (and the harness's own detection beside it), T_recover and the durations;
// the reconciliation of every payment by idempotency key against every ledger's export; the
// invariants; availability; the objectives; the verdict and its exit code, with every failing
// condition listed. `firedrill score RUN_DIR` and `firedrill run` use the same code, so a run
// directory re-scores to the same report.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string_view>
#include <string>
#include <vector>

#include "core/status.h"
#include "scoring/export_source.h"

namespace firedrill {

constexpr const char* kReportSchema = "firedrill.report/v1";

// Interned strings (idempotency keys, account names) in one arena. Id 0 is the empty string.
// Views stay valid while the table is not added to.
class StringTable {
 public:
  StringTable();
  uint32_t intern(std::string_view s);
  // The id of `s`, or -1 when it was never interned.
  int64_t find(std::string_view s) const;
  std::string_view view(uint32_t id) const {
    return std::string_view(chars_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  std::size_t size() const { return offsets_.size() - 1; }

 private:
  void rehash(std::size_t capacity);
  std::string chars_;
  std::vector<uint64_t> offsets_;  // id → start; one past the last id → end
  std::vector<uint32_t> slots_;    // open addressing: id + 1, 0 empty
};

// One workload record of timeline.jsonl (source "workload", kind invoke/ok/fail/unknown/
// skipped), compact. Numbers read as the scorer reads them (0 when absent; op -1).
struct WorkloadRecord {
  enum Kind : uint8_t { invoke, ok, fail, unknown, skipped };
  enum Flags : uint8_t { has_t = 1, has_latency = 2 };
  int64_t t_ns = 0;
  int64_t op = -1;
  int64_t value = 0;  // amount (invoke) or latency_ns (completions)
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

// Reads a run directory: run.json, timeline.jsonl (one record at a time) and exports/ (an
// export file is named, not read: score() reads it a block at a time).
Result<RunData> read_run_dir(const std::string& dir);

// Adds a timeline record to `data`: a workload record of a known kind to `workload`, any other
// to `timeline`.
void add_record(RunData& data, boost::json::object record);

// The report. Never throws: an exception inside a checker makes the verdict inconclusive, and so
// does an export file that cannot be read to its end. Memory: a few dozen bytes per payment
// beside `data`; the exports are read a block at a time, each distinct text once.
boost::json::object score(const RunData& data);

// 0 pass, 1 objectives_missed, 2 safety_failure, 3 inconclusive, 4 aborted.
int exit_code_of(const std::string& verdict);

// A few lines for people: verdict, headline numbers, failing conditions.
std::string report_summary(const boost::json::object& report);

}  // namespace firedrill
