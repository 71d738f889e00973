// Reading timeline.jsonl into RunData: the only place scoring turns the timeline's lines into
// records. The workload's records (two or more per payment) are kept compact (WorkloadRecord),
// the others as JSON. The ordinary workload line is read in place (timeline/line_decoder.h, its
// flat path); any other line goes through the full JSON parser, so both ways give the same record.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "scoring/run_data.h"

namespace firedrill {

// Reads the timeline file at `path` into `data` (workload, timeline, strings), a block at a time;
// a line that is not a JSON object is named in data.read_errors ("timeline.jsonl:N: unreadable
// record"). False, with nothing read, when the file cannot be opened.
bool read_timeline_file(const std::string& path, RunData& data);

// Adds a timeline record to `data`: a workload record of a known kind to `workload`, any other
// to `timeline`.
void add_record(RunData& data, boost::json::object record);

}  // namespace firedrill
