// The series of report.html's chart, computed here so that the page shows what scoring judged:
// the drill's time in buckets of whole seconds, each with its ok and failed completions, the p50
// and p99 latency of its ok ones (core/percentile.h), and whether the steady state held over the
// window ending with it (core/steady_state.h). Handed to the HTML writer as data (reports/ reads
// only scored data): {"bucket_ns": N, "buckets": [{"ok", "errors", "p50_ms", "p99_ms", "steady"}]}.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>

#include "core/limits.h"
#include "scoring/run_data.h"

namespace firedrill {

// `report`: the scored report (the chart reaches at least its last fault instant).
boost::json::object chart_series(const RunData& data, const boost::json::object& report);

}  // namespace firedrill
