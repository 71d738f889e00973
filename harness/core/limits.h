// The limits of firedrill, named once with the unit last (STYLE.md habit 5). One section per area;
// each limit says what it bounds.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace firedrill {

// ---- timeline ----
// The timeline reader (timeline/reader.cc) reads the file this much at a time: small enough that
// a block stays in the cache while its lines are decoded. A longer line grows the buffer.
inline constexpr std::size_t kTimelineReadBlockBytes = std::size_t{1} << 20;
// A line that is not a workload record is parsed by boost::json into a buffer of this size (a
// larger one spills to the heap): every record the controller writes fits.
inline constexpr std::size_t kTimelineParseBufferBytes = 16 * 1024;

// ---- runner ----
// The runner's timing and waits (runner/), the workload's bounds (workload/), and what the alert
// receiver, the log watcher and the key reader (evidence/) accept.
// The runner's tick: health probes sent, log patterns followed, orphans reaped, stop guards checked.
inline constexpr std::chrono::milliseconds kRunnerTickMs{100};
// The progress line and the ("harness", "steady_state") record: this often, over this window.
inline constexpr std::chrono::milliseconds kProgressIntervalMs{1'000};
inline constexpr int64_t kProgressWindowNs = 1'000'000'000;
// How often the runner checks that the system is healthy (before the baseline) and steady (at
// the baseline's end).
inline constexpr std::chrono::milliseconds kHealthPollMs{100};
inline constexpr std::chrono::milliseconds kBaselinePollMs{250};
// The baseline may run this much longer than the scenario's for the steady state to appear.
inline constexpr std::chrono::milliseconds kBaselineGraceMs{10'000};
// A health probe waits at least this long for its answer, whatever the probe interval.
inline constexpr std::chrono::milliseconds kProbeTimeoutMinMs{100};
// The system says which node holds a dynamic role within this.
inline constexpr std::chrono::milliseconds kRoleLookupTimeoutMs{2'000};
// A whole ledger export (a final read) arrives within this.
inline constexpr std::chrono::milliseconds kExportTimeoutMs{60'000};
// Each apply and each revert step of a fault.
inline constexpr std::chrono::milliseconds kFaultStepDeadlineMs{5'000};
// A node action's JSON report is its last stdout line, looked for in this much of its output's end.
inline constexpr uint64_t kActionReportTailBytes = 65'536;
// The largest Alertmanager webhook body the alert receiver reads.
inline constexpr std::size_t kAlertBodyMaxBytes = std::size_t{1} << 20;
// The log watcher reads at most this much of one log per poll. std::regex matches by recursion, a
// level per character for patterns like ".*": a line of 100 KB overflows the controller's stack
// (found by the fuzzing work), so lines are matched on their first kLogLineMaxBytes bytes, and a
// line with no newline yet is kept up to that length.
inline constexpr int64_t kLogReadPerPollMaxBytes = int64_t{4} << 20;
inline constexpr std::size_t kLogLineMaxBytes = 4096;
// The workload's ring of recent completions behind window() and completions(): this old at most,
// and this many entries at most (~25 MB; 60 s at 17k completions/s).
inline constexpr int64_t kWorkloadRingAgeMaxNs = 60'000'000'000;
inline constexpr std::size_t kWorkloadRingMaxEntries = std::size_t{1} << 20;
// Skipped payments are recorded on the timeline as one record per this interval at most.
inline constexpr int64_t kSkippedRecordIntervalNs = 1'000'000'000;
// The workload's schedule timer wakes at most this often; due payments are sent in a batch per
// wake. 100 µs keeps a 10k/s schedule to a payment per wake, well inside a request's latency.
inline constexpr std::chrono::microseconds kWorkloadTickMinUs{100};
// Payments sent per wake at most, before yielding to I/O (a stalled process catching up).
inline constexpr int64_t kWorkloadSendsPerTickMax = 1'024;
// A failed payment's error text carries at most this much of the response body.
inline constexpr std::size_t kErrorBodyMaxBytes = 200;
// What is read as a key file or a signed envelope: both are small.
inline constexpr std::size_t kKeyFileMaxBytes = 4096;

}  // namespace firedrill
