// The limits of firedrill, named once with the unit last (STYLE.md habit 5). One section per area;
// each limit says what it bounds.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace firedrill {

// ---- net ----
// The harness's HTTP client (net/http_client.cc): what it reads of a response (exports can be
// big), and how long an idle kept-alive connection is kept (well before servers' usual idle
// timeouts: refpay's is 120 s).
inline constexpr std::uint64_t kHttpResponseBodyMaxBytes = std::uint64_t{64} << 20;
inline constexpr std::uint32_t kHttpResponseHeaderMaxBytes = 64 * 1024;
inline constexpr std::chrono::seconds kHttpClientIdleS{30};
// The harness's HTTP server (net/http_server.cc). After an error response (400/413/431) the
// client may still be sending the rest of its request; closing with unread input makes the kernel
// send RST, which can destroy the response before the client reads it, so the server shuts down
// its side and drains input for up to this long and this much ("lingering close").
inline constexpr std::chrono::milliseconds kHttpLingerMaxMs{1'000};
inline constexpr std::size_t kHttpLingerMaxBytes = std::size_t{16} << 20;
inline constexpr std::size_t kHttpReadChunkBytes = 8 * 1024;
// How long the server pauses accepting after an accept error such as EMFILE, so it does not spin.
inline constexpr std::chrono::milliseconds kHttpAcceptRetryMs{50};

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

// ---- scenario ----
// What a scenario and a system definition may ask for; the loader enforces each
// (scenarios/README.md documents them).
// The longest fault phase of one drill; also bounds every time inside it (`at`, fault durations,
// objectives, stop guards).
inline constexpr std::chrono::milliseconds kDrillDurationMaxMs{3'600'000};
// The longest baseline, convergence, steady-state window, hold and p99 bound, and node start-up.
inline constexpr std::chrono::milliseconds kPhaseDurationMaxMs{600'000};
// The longest wait of one request-sized thing: a workload request, a retry delay, a probe period,
// a node's stop grace.
inline constexpr std::chrono::milliseconds kRequestDurationMaxMs{60'000};
// The longest a node action ([node.actions]) may run.
inline constexpr std::chrono::milliseconds kActionTimeoutMaxMs{3'600'000};
// The range of a declared mean time between failures.
inline constexpr std::chrono::milliseconds kMtbfMinMs{3'600'000};
inline constexpr std::chrono::milliseconds kMtbfMaxMs{100LL * 365 * 86'400'000};
// The largest clock.skew offset, either way.
inline constexpr std::chrono::milliseconds kClockOffsetMaxMs{365LL * 86'400'000};
inline constexpr std::size_t kFaultsMax = 64;
inline constexpr double kRatePerSecondMax = 20'000;
inline constexpr int64_t kInFlightMax = 10'000;
inline constexpr int64_t kNodesMax = 64;
inline constexpr int64_t kAccountsMax = 1'000'000;
// The largest amount of one payment, in minor units.
inline constexpr int64_t kPaymentAmountMax = int64_t{1} << 40;
inline constexpr int64_t kWorkloadRetriesMax = 10;
inline constexpr int64_t kProbeFailuresMax = 1000;
// The largest count an objective may name (lost or duplicated payments) and a fault's integer
// parameter.
inline constexpr int64_t kCountMax = 2'147'483'647;
// The range of a fault's decimal parameter (clock.skew's rate).
inline constexpr double kFaultNumberMin = 0.001;
inline constexpr double kFaultNumberMax = 1000;
// The largest initial balance of an account, in minor units.
inline constexpr int64_t kInitialBalanceMax = int64_t{1} << 60;
// The range of a node's volume_size.
inline constexpr int64_t kVolumeMinBytes = int64_t{1} << 20;
inline constexpr int64_t kVolumeMaxBytes = int64_t{16} << 30;
// The range of network.bandwidth's `rate`.
inline constexpr int64_t kBandwidthMinBitsPerS = 8'000;
inline constexpr int64_t kBandwidthMaxBitsPerS = 100'000'000'000;
// std::regex compiles a pattern by recursion, one level per nested group: thousands of nested
// parentheses overflow the stack (found by tests/fuzz/), so [[detection.log]] patterns are short.
inline constexpr std::size_t kLogPatternMaxBytes = 1024;

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

// ---- remote ----
// The SSH session to a host (remote/remote_shell.h).
// A command's answer may come this long after its own timeout and the host's alive timeout
// before the session counts as lost (a slow fork on a busy host is not a lost host).
inline constexpr std::chrono::milliseconds kRemoteAnswerGraceMs{2'000};
// A command's output is kept up to this much (its tail when longer: an action's JSON report is
// its last line).
inline constexpr std::size_t kRemoteOutputBytesMax = std::size_t{1} << 20;
// A host-side step of firedrill's own (arm or disarm a switch, read a pid): killed on the host
// past this.
inline constexpr std::chrono::milliseconds kRemoteStepTimeoutMs{5'000};
// How often a HostPlace reads its nodes' process states (one command per host) and touches the
// hosts' heartbeat files.
inline constexpr std::chrono::milliseconds kHostPollMs{200};
// A host whose heartbeat file is this old (the controller is gone or cut off) runs its host-wide
// switch: firedrill's started nodes stopped, its nftables table deleted.
inline constexpr std::chrono::milliseconds kHostHeartbeatGraceMs{15'000};
// At the end, a started node on a host gets SIGTERM, then SIGKILL this much later.
inline constexpr std::chrono::milliseconds kHostStopGraceMs{3'000};
// A change's switch fires this long after its fault's planned end.
inline constexpr std::chrono::milliseconds kHostSwitchGraceMs{30'000};
// What ssh said on stderr, kept for the error when a session ends (its tail).
inline constexpr std::size_t kRemoteStderrBytesMax = 8 * 1024;

// ---- evidence ----
// How the evidence manifest (evidence/) hashes a run directory's artifacts (a 1M-payment run
// has ~1 GB of them): threads at once, the largest files first, and the block read at a time.
inline constexpr int kArtifactHashThreads = 2;
inline constexpr std::size_t kFileHashBlockBytes = std::size_t{1} << 20;
// A digest hashed early is trusted later only for a file modified or status-changed at least
// this long before it was stamped: file times tick coarsely (a jiffy), so a file changed again
// within the same tick keeps its stamp (git's "racily clean" entries).
inline constexpr int64_t kFileStampRacyNs = 1'000'000'000;
// chain_head() reads timeline.jsonl backwards this much at a time to find its last line.
inline constexpr std::size_t kChainTailBlockBytes = 64 * 1024;

}  // namespace firedrill
