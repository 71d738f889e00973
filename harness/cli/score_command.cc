// `firedrill score` and `firedrill compare`; see score_command.h.
#include "cli/score_command.h"

#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/exit_codes.h"
#include "cli/fault_listing.h"
#include "evidence/auditor_sections.h"
#include "evidence/manifest.h"
#include "evidence/signing.h"
#include "host/host_facts.h"
#include "reports/html_report.h"
#include "reports/junit_report.h"
#include "reports/markdown_report.h"
#include "scoring/big_buffers.h"
#include "scoring/chart_series.h"
#include "scoring/report_events.h"
#include "scoring/scorer.h"

namespace firedrill {
namespace {

Result<boost::json::object> read_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error(path + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(text.str(), ec);
  if (ec || !v.is_object()) return Status::error(path + ": not a JSON report");
  return v.as_object();
}


}  // namespace

// Compares a candidate report with a baseline; prints the findings and the side-by-side table.
int compare_files(const std::string& base_path, const std::string& candidate_path, const Tolerance& tolerance) {
  auto base = read_report(base_path);
  auto candidate = read_report(candidate_path);
  if (!base || !candidate) {
    std::cerr << "firedrill compare: " << (!base ? base.status() : candidate.status()).message() << "\n";
    return kExitInconclusive;
  }
  Comparison c = compare_reports(*base, *candidate, tolerance);
  for (const auto& f : c.findings) std::cout << f << "\n";
  std::cout << c.table << std::flush;
  return c.exit_code;
}


// Scores a run directory, writes report.json beside it and prints the summary; the exit code is
// the verdict's.
int score_run(const std::string& run_dir, const std::string& sign_key, const OnScored& on_scored) {
  // The manifest's digests of the inputs (~1 GB for 1M payments), hashed on the second core
  // while this thread reads and scores them; the files written below are hashed at the end.
  FileHashing early_digests(artifact_files(run_dir, {"report.md", "junit.xml", "report.html"}));
  keep_freed_memory();
  auto data = read_run_dir(run_dir);
  if (!data) {
    std::cerr << "firedrill: " << data.status().message() << "\n";
    return kExitUsage;
  }
  boost::json::object report = score(*data);
  // The auditor's sections (scope, frozen objectives, method, timeline, deviations, limitations).
  HostFacts host = current_host_facts();
  host.netem = kernel_has_netem();
  for (auto& [key, value] : auditor_sections(run_dir, data->run, data->timeline, host, data->workload.size())) report[key] = value;
  // The readers' reports, each a pure function of the scored report (and the timeline); written
  // before the manifest so that the evidence covers them too.
  std::ofstream(run_dir + "/report.md") << markdown_report(report);
  std::ofstream(run_dir + "/junit.xml") << junit_report(report);
  const boost::json::object chart = chart_series(*data, report), events = report_events(*data);
  std::ofstream(run_dir + "/report.html") << html_report(report, data->run, chart, events);
  report["evidence"] = make_manifest(run_dir, &early_digests);
  if (Status s = write_report(run_dir, report); !s) {
    std::cerr << "firedrill: " << s.message() << "\n";
    return kExitInternal;
  }
  if (!sign_key.empty()) {
    auto keyid = sign_run(run_dir, sign_key);
    if (!keyid) {
      std::cerr << "firedrill: sign: " << keyid.status().message() << "\n";
      return kExitUsage;
    }
    std::cout << "  signed by key " << *keyid << ": " << run_dir << "/report.dsse.json\n";
  }
  if (on_scored) on_scored(report, chart, events);
  std::cout << report_summary(report) << "  report: " << run_dir << "/report.html (also report.json, report.md, junit.xml)"
            << std::endl;
  return exit_code_of(std::string(report.at("verdict").as_string()));
}

}  // namespace firedrill
