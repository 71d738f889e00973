// What report.html shows of the timeline besides the chart, read here from the typed records so
// that no (source, kind) is matched outside harness/timeline/records (reports/ reads only scored
// data, as JSON):
//
//   {"start_utc": "2026-…Z",                 the harness's anchor
//    "clock_shim_nodes": [...], "plain_nodes": [...],   what the lab preloaded, per node_setup
//    "phases": [{"t_ns", "phase"}],          the drill's phases in order
//    "events": [{"t_ns", "node", "source", "what", "bad"}]}
//
// An event is one line worth a person's attention: a process start or exit, an alert, a fault
// step, an action, a matched log line, a health probe or the steady state changing, a final read,
// a precondition, an error, a stop condition, the end. Workload records are not events (the chart
// has them), nor are repeated probe results or steady-state evaluations that change nothing.
#pragma once

#include <boost/json/object.hpp>

#include "scoring/run_data.h"

namespace firedrill {

boost::json::object report_events(const RunData& data);

}  // namespace firedrill
