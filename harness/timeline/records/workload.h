// The payments workload's records (source "workload"): each attempt's invoke and its completion
// (ok, fail or unknown), and the payments not started because the in-flight limit was reached
// (skipped). These are nearly every line of a timeline (two per payment), so their strings are
// views: on writing, into the caller's strings (write the record in the expression that builds
// it); on reading, into the line or the decoder's scratch, valid until the next line is decoded.
// Written by harness/workload; read by scoring and the HTML report's chart.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>
#include <variant>

#include "timeline/record_codec.h"

namespace firedrill {

inline constexpr std::string_view kWorkloadSource = "workload";

// An attempt of a payment is sent.
struct WorkloadInvoke {
  static constexpr std::string_view source = kWorkloadSource, kind = "invoke";
  int64_t op = 0;  // the attempt's number, from 1
  std::string_view key{};  // the idempotency key, the same for every attempt of a payment
  std::string_view from{};
  std::string_view to{};
  int64_t amount = 0;
  int64_t attempt = 0;  // from 1
  static constexpr auto fields() {
    using R = WorkloadInvoke;
    return std::tuple{field("op", &R::op),         field("key", &R::key),       field("from", &R::from),
                      field("to", &R::to),         field("amount", &R::amount), field("attempt", &R::attempt)};
  }
};

// How an attempt ended: the fields of ok, fail and unknown. `error` is there for fail and
// unknown only ("HTTP 504: <body>", "not sent: <why>").
struct WorkloadCompletion {
  int64_t op = 0;
  std::string_view key{};
  int64_t attempt = 0;
  int64_t status = 0;  // the HTTP status; 0 without an answer
  std::optional<int64_t> latency_ns{};  // nullopt only when a line lacks it (readers count 0)
  std::optional<std::string_view> error{};
  static constexpr auto fields() {
    using R = WorkloadCompletion;
    return std::tuple{field("op", &R::op),         field("key", &R::key),
                      field("attempt", &R::attempt), field("status", &R::status),
                      field("latency_ns", &R::latency_ns), field("error", &R::error)};
  }
};

// The payment was applied (a success status of the contract).
struct WorkloadOk : WorkloadCompletion {
  static constexpr std::string_view source = kWorkloadSource, kind = "ok";
};

// The payment was certainly not applied (a failure status, or nothing was sent).
struct WorkloadFail : WorkloadCompletion {
  static constexpr std::string_view source = kWorkloadSource, kind = "fail";
};

// The payment may or may not have been applied (a timeout after sending, an unexpected status).
struct WorkloadUnknown : WorkloadCompletion {
  static constexpr std::string_view source = kWorkloadSource, kind = "unknown";
};

// How an attempt ended, as the workload classifies it.
enum class WorkloadOutcome { ok, fail, unknown };

// The record of a completion of outcome `outcome`.
inline std::variant<WorkloadOk, WorkloadFail, WorkloadUnknown> workload_completion(WorkloadOutcome outcome,
                                                                                   WorkloadCompletion completion) {
  switch (outcome) {
    case WorkloadOutcome::ok: return WorkloadOk{completion};
    case WorkloadOutcome::fail: return WorkloadFail{completion};
    case WorkloadOutcome::unknown: break;
  }
  return WorkloadUnknown{completion};
}

// Payments the schedule wanted but the in-flight limit held back since the last such record.
struct WorkloadSkipped {
  static constexpr std::string_view source = kWorkloadSource, kind = "skipped";
  int64_t count = 0;
  int64_t in_flight_max = 0;
  int64_t next_n = 0;  // the next payment's number
  static constexpr auto fields() {
    using R = WorkloadSkipped;
    return std::tuple{field("count", &R::count), field("in_flight_max", &R::in_flight_max),
                      field("next_n", &R::next_n)};
  }
};

}  // namespace firedrill
