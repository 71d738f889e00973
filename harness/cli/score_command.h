// `firedrill score` and `firedrill compare`, which `firedrill run` also ends with: the verdict
// from a run directory alone, and a report held against a baseline.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <string>

#include "reports/compare.h"

namespace firedrill {

// Told of the scored report and what report.html was drawn from (the live page shows the same).
using OnScored = std::function<void(const boost::json::object& report, const boost::json::object& chart,
                                    const boost::json::object& events)>;

// Scores a run directory, writes report.json and the readers' reports beside it, signs them with
// `sign_key` when given, and prints the summary; the exit code is the verdict's.
int score_run(const std::string& run_dir, const std::string& sign_key = "", const OnScored& on_scored = nullptr);

// Compares a candidate report with a baseline; prints the findings and the side-by-side table.
int compare_files(const std::string& base_path, const std::string& candidate_path, const Tolerance& tolerance);

}  // namespace firedrill
