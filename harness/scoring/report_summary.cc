// The few lines `firedrill score` and `firedrill run` print; see scorer.h.
#include <boost/json.hpp>
#include <sstream>

#include "core/json_read.h"
#include "scoring/scorer.h"

namespace json = boost::json;

namespace firedrill {
namespace {

using json_read::field;
using json_read::flag;
using json_read::integer;
using json_read::text;

// A measurement in ms ("-" when absent or null).
std::string ms_text(const json::object& o, const char* key) {
  const json::value* v = field(o, key);
  if (!v || v->is_null()) return "-";
  std::ostringstream s;
  s << v->to_number<double>() << " ms";
  return s.str();
}

double number_or_0(const json::object& o, const char* key) {
  const json::value* v = field(o, key);
  return v ? v->to_number<double>() : 0;
}

void summarize_faults(const json::object& report, std::ostringstream& out) {
  for (const auto& fv : json_read::array(report, "faults")) {
    const json::object& f = fv.as_object();
    out << "  fault[" << integer(f, "index") << "] " << text(f, "kind") << " on " << text(f, "node")
        << ": detection "
        << (flag(f, "detected") ? ms_text(f, "detection_ms") + " (" + text(f, "detected_by") + ")"
                                : "UNDETECTED")
        << ", recovery " << (flag(f, "recovered") ? ms_text(f, "recovery_ms") : "NOT RECOVERED")
        << (flag(f, "masked") ? " (masked: no impact)" : "") << "\n";
  }
}

void summarize_payments(const json::object& report, std::ostringstream& out) {
  const json::object& r = json_read::object(report, "reconciliation");
  if (r.empty()) return;
  out << "  payments: " << integer(r, "acknowledged") << " acknowledged, " << integer(r, "lost")
      << " lost, " << integer(r, "duplicated") << " duplicated, "
      << integer(r, "failed_but_applied") << " failed-but-applied, " << integer(r, "recovered")
      << " unknown→applied, " << integer(r, "unknown_absent") << " unknown→absent; RPO "
      << number_or_0(r, "rpo_ms") << " ms\n";
}

void summarize_restore(const json::object& report, std::ostringstream& out) {
  const json::value* restore = field(report, "restore");
  if (!restore || !restore->is_object()) return;
  const json::object& x = restore->as_object();
  const json::value* point = field(x, "restored_point");
  out << "  restore: " << integer(x, "restores") << " restores (" << integer(x, "failed")
      << " failed) in " << json_read::number(x, "duration_ms") << " ms; restored point ";
  if (point && point->is_object()) {
    out << "position " << integer(point->as_object(), "position") << " ("
        << text(point->as_object(), "key") << ")";
  } else {
    out << "none";
  }
  out << "; RPO against it " << number_or_0(x, "rpo_ms") << " ms; backups "
      << (flag(x, "backup_integrity") ? "intact" : "DAMAGED") << "\n";
}

}  // namespace

std::string report_summary(const json::object& report) {
  std::ostringstream out;
  out << "verdict: " << text(report, "verdict") << " (exit " << integer(report, "exit_code")
      << ")\n";
  summarize_faults(report, out);
  summarize_payments(report, out);
  summarize_restore(report, out);
  for (const char* group : {"inconclusive", "aborted", "safety", "objectives"}) {
    for (const auto& f : json_read::array(json_read::object(report, "failures"), group)) {
      out << "  ✗ " << group << ": " << std::string(f.as_string()) << "\n";
    }
  }
  return out.str();
}

}  // namespace firedrill
