// A fault's steps (source "fault"): its revert registered, the apply asked, the apply's outcome
// (applied: verified, the fault's T0; apply_failed), the revert asked and its outcome (reverted,
// revert_failed). Written by the runner's fault scheduling; read by scoring (T0, the end of the
// fault), the auditor's sections (injection gaps, deviations) and the HTML report.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>

#include "timeline/record_codec.h"

namespace firedrill {

inline constexpr std::string_view kFaultSource = "fault";

// The revert is registered before the apply runs (STYLE.md habit 2).
struct FaultRevertRegistered {
  static constexpr std::string_view source = kFaultSource, kind = "revert_registered";
  int64_t fault = 0;  // the fault's index in the plan
  std::string fault_kind{};
  std::string node{};
  static constexpr auto fields() {
    using R = FaultRevertRegistered;
    return std::tuple{field("fault", &R::fault), field("fault_kind", &R::fault_kind), field("node", &R::node)};
  }
};

// The apply starts: the target as planned, the node it resolved to, when it was scheduled
// (readers fall back to the record's t_ns when scheduled_ns is missing).
struct FaultApply {
  static constexpr std::string_view source = kFaultSource, kind = "apply";
  int64_t fault = 0;
  std::string fault_kind{};
  std::string target{};  // "role:ledger-primary"
  std::string node{};
  std::optional<int64_t> scheduled_ns{};
  static constexpr auto fields() {
    using R = FaultApply;
    return std::tuple{field("fault", &R::fault), field("fault_kind", &R::fault_kind), field("target", &R::target),
                      field("node", &R::node), field("scheduled_ns", &R::scheduled_ns)};
  }
};

// How an apply ended: the fields of applied and apply_failed. `evidence` is the fault's own,
// free-form (what it changed and how it verified it).
struct FaultApplyResult {
  int64_t fault = 0;
  std::string fault_kind{};
  bool verified = false;
  std::optional<int64_t> scheduled_ns{};
  std::optional<int64_t> gap_ns{};  // apply time − scheduled time
  boost::json::object evidence{};
  std::string error{};  // "" when verified
  static constexpr auto fields() {
    using R = FaultApplyResult;
    return std::tuple{field("fault", &R::fault),       field("fault_kind", &R::fault_kind),
                      field("verified", &R::verified), field("scheduled_ns", &R::scheduled_ns),
                      field("gap_ns", &R::gap_ns),     field("evidence", &R::evidence),
                      field("error", &R::error)};
  }
};

// The apply is verified: this record's t_ns is the fault's T0.
struct FaultApplied : FaultApplyResult {
  static constexpr std::string_view source = kFaultSource, kind = "applied";
};

// The apply failed or could not be verified.
struct FaultApplyFailed : FaultApplyResult {
  static constexpr std::string_view source = kFaultSource, kind = "apply_failed";
};

// The record of an outcome: Succeeded when `succeeded`, Failed otherwise; both have `fields`.
template <class Succeeded, class Failed, class Fields>
std::variant<Succeeded, Failed> outcome_record(bool succeeded, Fields fields) {
  if (succeeded) return Succeeded{std::move(fields)};
  return Failed{std::move(fields)};
}

// The record of an apply's outcome: applied when it succeeded (verified), apply_failed otherwise.
inline std::variant<FaultApplied, FaultApplyFailed> fault_apply_outcome(bool succeeded, FaultApplyResult result) {
  return outcome_record<FaultApplied, FaultApplyFailed>(succeeded, std::move(result));
}

// The revert starts.
struct FaultRevert {
  static constexpr std::string_view source = kFaultSource, kind = "revert";
  int64_t fault = 0;
  std::string fault_kind{};
  std::string node{};
  static constexpr auto fields() {
    using R = FaultRevert;
    return std::tuple{field("fault", &R::fault), field("fault_kind", &R::fault_kind), field("node", &R::node)};
  }
};

// How a revert ended: the fields of reverted and revert_failed.
struct FaultRevertResult {
  int64_t fault = 0;
  std::string fault_kind{};
  bool verified = false;
  std::optional<int64_t> started_ns{};  // when the revert started
  boost::json::object evidence{};
  std::string error{};  // "" when verified
  static constexpr auto fields() {
    using R = FaultRevertResult;
    return std::tuple{field("fault", &R::fault),           field("fault_kind", &R::fault_kind),
                      field("verified", &R::verified),     field("started_ns", &R::started_ns),
                      field("evidence", &R::evidence),     field("error", &R::error)};
  }
};

// The revert is verified: this record's t_ns ends the fault.
struct FaultReverted : FaultRevertResult {
  static constexpr std::string_view source = kFaultSource, kind = "reverted";
};

// The revert failed or could not be verified.
struct FaultRevertFailed : FaultRevertResult {
  static constexpr std::string_view source = kFaultSource, kind = "revert_failed";
};

// The record of a revert's outcome: reverted when it succeeded, revert_failed otherwise.
inline std::variant<FaultReverted, FaultRevertFailed> fault_revert_outcome(bool succeeded, FaultRevertResult result) {
  return outcome_record<FaultReverted, FaultRevertFailed>(succeeded, std::move(result));
}

}  // namespace firedrill
