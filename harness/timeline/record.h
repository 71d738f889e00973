// Every kind of timeline record, as one variant, and the line that holds one. The records
// themselves are defined by source in records/*.h (one struct per (source, kind), its fields
// listed once); this file puts them together for writing any of them (Timeline::write) and for
// reading a line back (line_decoder.h, reader.h).
//
// A line of timeline.jsonl is {"seq":N,"t_ns":T,"source":S,"kind":K,<the record's fields>,
// "prev":"<SHA-256 of the previous line>"}: the envelope (RecordEnvelope) around a record.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "timeline/records/action.h"
#include "timeline/records/alertmanager.h"
#include "timeline/records/fault.h"
#include "timeline/records/harness.h"
#include "timeline/records/logs.h"
#include "timeline/records/probe.h"
#include "timeline/records/prometheus.h"
#include "timeline/records/supervisor.h"
#include "timeline/records/workload.h"

namespace firedrill {

// A record of a (source, kind) this build does not know, kept whole so that it can be shown or
// written back unchanged.
struct UnknownRecord {
  std::string source;
  std::string kind;
  boost::json::object fields;  // every field but the envelope's, in file order
};

// Any record. UnknownRecord stays last.
using TimelineRecord =
    std::variant<HarnessStart, HarnessPhase, HarnessPreconditionFailed, HarnessError, HarnessLab, HarnessNodeSetup,
                 HarnessFinalRead, HarnessAbort, HarnessEnd, HarnessSteadyState, HarnessStopCondition,
                 FaultRevertRegistered, FaultApply, FaultApplied, FaultApplyFailed, FaultRevert, FaultReverted,
                 FaultRevertFailed, ActionStart, ActionEnd, ProbeHealth, SupervisorStarted, SupervisorStartFailed,
                 SupervisorExited, AlertmanagerAlert, AlertmanagerAlertRejected, PrometheusSetup, PrometheusRule,
                 PrometheusAlertEpisode, PrometheusReadFailed, LogMatch, WorkloadInvoke,
                 WorkloadOk, WorkloadFail, WorkloadUnknown, WorkloadSkipped, UnknownRecord>;

// A record type with a fixed (source, kind): any alternative of TimelineRecord but UnknownRecord.
template <class R>
concept KnownRecord = requires {
  { R::source } -> std::convertible_to<std::string_view>;
  { R::kind } -> std::convertible_to<std::string_view>;
  R::fields();
};

// The envelope of a line. Views into the line (or the decoder's copy of it). seq and t_ns are
// nullopt only in a damaged line (a reader takes t_ns as 0 then: at()).
struct RecordEnvelope {
  std::optional<int64_t> seq;
  std::optional<int64_t> t_ns;
  std::string_view source;
  std::string_view kind;
  std::string_view prev;
  int64_t at() const { return t_ns.value_or(0); }
};

// Lambdas as one visitor of a record:
//   std::visit(overloaded{[&](const HarnessPhase& p) { ... }, [](const auto&) {}}, line.record());
template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
// Written out for clang 14 (the fuzz build), which does not deduce an aggregate's arguments.
template <class... F>
overloaded(F...) -> overloaded<F...>;

// The record's source and kind as written.
std::string_view source_of(const TimelineRecord& record);
std::string_view kind_of(const TimelineRecord& record);

// The record's own fields, in the order they are written.
boost::json::object encode_fields(const TimelineRecord& record);

// The record of (source, kind) from its fields (leniently, see record_codec.h); an UnknownRecord
// when no record type has that (source, kind). Strings of workload records view into `fields`.
TimelineRecord decode_record(std::string_view source, std::string_view kind, const boost::json::object& fields);

// One line of timeline.jsonl without its newline, exactly as Timeline writes it.
std::string format_line(int64_t seq, int64_t t_ns, std::string_view source, std::string_view kind,
                        boost::json::object fields, std::string_view prev);

// The line of `record` in `envelope` (a missing seq or t_ns written as 0): what Timeline wrote
// for a line that decodes to these.
std::string encode_line(const RecordEnvelope& envelope, const TimelineRecord& record);

}  // namespace firedrill
