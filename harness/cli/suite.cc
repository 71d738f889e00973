// The drill suite; see suite.h.
#include "cli/suite.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "fault/fault_kinds.h"
#include "scenario/scenario.h"
#include "scoring/scorer.h"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace firedrill {
namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Verdict precedence (DESIGN.md §6): the larger, the worse.
int severity(int exit_code) {
  switch (exit_code) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 2;
    case 4: return 3;
    default: return 4;  // 3 inconclusive, and anything unexpected
  }
}

std::vector<std::string> scenario_files(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const auto& input : inputs) {
    if (fs::is_directory(input)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(input)) {
        if (entry.path().extension() == ".toml") found.push_back(entry.path().string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(input);
    }
  }
  return files;
}

// The verdict a scenario's description states, or "-" when it states none or does not load (its
// run then says why).
std::string stated_verdict(const std::string& file) {
  auto loaded = load_scenario(file, builtin_fault_kinds().catalog());
  const Scenario* scenario = std::get_if<Scenario>(&loaded);
  const std::string stated = scenario ? expected_verdict(scenario->drill.description) : "";
  return stated.empty() ? "-" : stated;
}

int run_one(const std::string& self, const std::string& scenario, const std::string& out) {
  pid_t pid = fork();
  if (pid == 0) {
    execl(self.c_str(), self.c_str(), "run", scenario.c_str(), "--out", out.c_str(), "--quiet", nullptr);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The <testsuite> elements of one junit.xml (everything inside <testsuites>).
std::string testsuites_of(const std::string& junit) {
  auto begin = junit.find("<testsuite ");
  auto end = junit.rfind("</testsuite>");
  if (begin == std::string::npos || end == std::string::npos) return "";
  return junit.substr(begin, end + 12 - begin) + "\n";
}

std::string field_text(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return "-";
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_number()) {
    char out[32];
    std::snprintf(out, sizeof out, "%.0f", v->to_number<double>());
    return out;
  }
  return json::serialize(*v);
}

}  // namespace

int run_suite(const std::vector<std::string>& inputs, const std::string& out_dir, const std::string& self,
              bool expect_stated) {
  std::vector<std::string> files = scenario_files(inputs);
  if (files.empty()) {
    std::cerr << "firedrill suite: no scenario files\n";
    return 64;
  }
  std::string out = out_dir;
  if (out.empty()) {
    std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", std::gmtime(&now));
    out = std::string("runs/suite-") + stamp;
  }
  fs::create_directories(out);
  std::string suites;
  std::ostringstream table;
  char line[256];
  std::snprintf(line, sizeof line, "%-32s %-18s %5s %12s %12s %6s %6s  %s\n", "scenario", "verdict", "exit",
                "detect ms", "recover ms", "lost", "dup", "expected");
  table << line;
  int worst = 0;
  int worst_unexpected = 0;  // --expect-stated: of the drills whose verdict is not the stated one
  int unexpected = 0;
  for (const auto& file : files) {
    std::string name = fs::path(file).stem().string();
    std::string run_dir = (fs::absolute(out) / name).string();
    std::cout << "suite: " << name << " ..." << std::flush;
    int code = run_one(self, file, run_dir);
    std::cout << " exit " << code << std::endl;
    if (severity(code) > severity(worst)) worst = code;
    suites += testsuites_of(read_text(fs::path(run_dir) / "junit.xml"));
    json::object report;
    json::error_code ec;
    json::value parsed = json::parse(read_text(fs::path(run_dir) / "report.json"), ec);
    if (!ec && parsed.is_object()) report = parsed.as_object();
    std::string detect = "-", recover = "-";
    if (const json::value* faults = report.if_contains("faults"); faults && faults->is_array()) {
      for (const auto& f : faults->as_array()) {
        detect = field_text(f.as_object(), "detection_ms");
        recover = field_text(f.as_object(), "recovery_ms");
      }
    }
    json::object reconciliation;
    if (const json::value* r = report.if_contains("reconciliation"); r && r->is_object()) reconciliation = r->as_object();
    const std::string verdict = field_text(report, "verdict");
    const std::string expected = stated_verdict(file);
    // Judged by this run's exit code, not by a report.json an earlier run may have left in a
    // reused --out directory.
    const bool as_stated = expected != "-" && exit_code_of(expected) == code;
    if (!as_stated) {
      ++unexpected;
      // A drill that passed where a failure was to be demonstrated demonstrated nothing: 1.
      const int as_code = code == 0 ? 1 : code;
      if (severity(as_code) > severity(worst_unexpected)) worst_unexpected = as_code;
    }
    std::snprintf(line, sizeof line, "%-32s %-18s %5d %12s %12s %6s %6s  %s%s\n", name.c_str(), verdict.c_str(), code,
                  detect.c_str(), recover.c_str(), field_text(reconciliation, "lost").c_str(),
                  field_text(reconciliation, "duplicated").c_str(), expected.c_str(),
                  expected == "-" ? " (not stated)" : as_stated ? "" : " (DIFFERS)");
    table << line;
  }
  std::ofstream(fs::path(out) / "junit.xml") << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"firedrill suite\">\n"
                                             << suites << "</testsuites>\n";
  std::ofstream(fs::path(out) / "summary.txt") << table.str();
  std::cout << "\n" << table.str() << "suite: " << files.size() << " drills, worst exit " << worst << ", "
            << unexpected << " not as their description states; combined JUnit: "
            << (fs::path(out) / "junit.xml").string() << std::endl;
  return expect_stated ? worst_unexpected : worst;
}

}  // namespace firedrill
