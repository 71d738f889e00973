// firedrill: the command line (DESIGN.md §7). Maps every outcome to the documented exit codes:
// 0 success, 64 usage error, 65 invalid scenario, 70 internal error.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "fault/fault_kinds.h"
#include "lab/lab.h"
#include "runner/drill_runner.h"
#include "cli/suite.h"
#include "evidence/auditor_sections.h"
#include "evidence/manifest.h"
#include "evidence/signing.h"
#include "evidence/verify.h"
#include "lab/lab_place.h"
#include "reports/compare.h"
#include "reports/html_report.h"
#include "reports/junit_report.h"
#include "reports/markdown_report.h"
#include "scoring/scorer.h"
#include "plan/plan.h"
#include "scenario/scenario.h"

namespace firedrill {
namespace {

constexpr int kExitInconclusive = 3;
constexpr int kExitAborted = 4;
constexpr int kExitUsage = 64;
constexpr int kExitInvalidScenario = 65;
constexpr int kExitInternal = 70;

// Prints every diagnostic of every file; 65 when any file is invalid.
int validate(const std::vector<std::string>& files) {
  int exit_code = 0;
  for (const auto& file : files) {
    auto loaded = load_scenario(file, builtin_fault_kinds().catalog());
    if (auto* errors = std::get_if<Diagnostics>(&loaded)) {
      std::cerr << errors->text();
      exit_code = kExitInvalidScenario;
    } else {
      const Scenario& s = std::get<Scenario>(loaded);
      std::cout << file << ": ok (" << s.drill.name << ", " << s.faults.size() << " faults, system "
                << s.system.name << ")\n";
    }
  }
  return exit_code;
}

int plan(const std::string& file, std::optional<int64_t> seed) {
  auto loaded = load_scenario(file, builtin_fault_kinds().catalog());
  if (auto* errors = std::get_if<Diagnostics>(&loaded)) {
    std::cerr << errors->text();
    return kExitInvalidScenario;
  }
  const Scenario& s = std::get<Scenario>(loaded);
  std::cout << make_plan(s, seed ? static_cast<uint64_t>(*seed) : s.drill.seed).text();
  return 0;
}

std::string executable_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "." : exe.parent_path().string();
}

// runs/<name>-<UTC time>, or `out` when given.
Result<std::string> make_run_dir(const std::string& out, const std::string& name) {
  std::string dir = out;
  if (dir.empty()) {
    std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", std::gmtime(&now));
    dir = "runs/" + name + "-" + stamp;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::error("run directory " + dir + ": " + ec.message());
  return std::filesystem::absolute(dir).string();
}

int score_run(const std::string& run_dir, const std::string& sign_key = "");

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

struct RunArguments {
  std::string scenario;
  std::optional<int64_t> seed;
  std::string out;
  std::string subnet = "198.18.0.0/24";
  bool quiet = false;
  std::string baseline;
  Tolerance tolerance;
  std::string sign_key;
  bool clock_shim_everywhere = false;
};

// `firedrill run`: validates and plans in the user's process, then enters the lab (a new PID,
// mount and network namespace, plus a user namespace when not root) and runs the drill there.
// The default game day: scenarios/gameday.toml of the source tree this binary was built from.
std::string default_scenario() { return std::string(FIREDRILL_SOURCE_DIR) + "/scenarios/gameday.toml"; }

int run(RunArguments args) {
  if (args.scenario.empty()) {
    args.scenario = default_scenario();
    std::cout << "firedrill: no scenario given: running the default game day " << args.scenario << std::endl;
  }
  auto loaded = load_scenario(args.scenario, builtin_fault_kinds().catalog());
  if (auto* errors = std::get_if<Diagnostics>(&loaded)) {
    std::cerr << errors->text();
    return kExitInvalidScenario;
  }
  const Scenario& scenario = std::get<Scenario>(loaded);
  Plan plan = make_plan(scenario, args.seed ? static_cast<uint64_t>(*args.seed) : scenario.drill.seed);
  if (args.clock_shim_everywhere) {
    plan.clock_shim_nodes.clear();
    for (const auto& n : scenario.system.nodes) plan.clock_shim_nodes.push_back(n.name);
  }
  auto run_dir = make_run_dir(args.out, scenario.drill.name);
  if (run_dir && run_dir->rfind("/dev/shm", 0) == 0) {
    run_dir = Status::error("run directory " + *run_dir + ": not under /dev/shm (the lab mounts its own /dev/shm)");
  }
  if (!run_dir) {
    std::cerr << "firedrill: " << run_dir.status().message() << "\n";
    return kExitUsage;
  }
  std::ofstream(*run_dir + "/scenario.toml", std::ios::binary) << scenario.text;
  std::ofstream(*run_dir + "/plan.txt") << plan.text();
  std::cout << "firedrill: drill " << scenario.drill.name << ", seed " << plan.seed << ", run directory "
            << *run_dir << std::endl;
  auto lab = enter_lab();  // from here on we are the lab's init; the caller's process waits
  if (!lab) {
    std::cerr << "firedrill: cannot build the lab: " << lab.status().message() << "\n";
    return kExitInconclusive;
  }
  RunOptions options;
  options.run_dir = *run_dir;
  options.bin_dir = executable_dir();
  options.subnet = args.subnet;
  options.progress = !args.quiet;
  run_drill(scenario, plan, options);
  // The verdict comes from the run directory alone, exactly as `firedrill score` would give it.
  int verdict = score_run(*run_dir, args.sign_key);
  if (verdict != 0 || args.baseline.empty()) return verdict;
  std::cout << "comparing with the baseline " << args.baseline << ":\n";
  return compare_files(args.baseline, *run_dir + "/report.json", args.tolerance);
}

// Scores a run directory, writes report.json beside it and prints the summary; the exit code is
// the verdict's.
int score_run(const std::string& run_dir, const std::string& sign_key) {
  auto data = read_run_dir(run_dir);
  if (!data) {
    std::cerr << "firedrill: " << data.status().message() << "\n";
    return kExitUsage;
  }
  boost::json::object report = score(*data);
  // The auditor's sections (scope, frozen objectives, method, timeline, deviations, limitations).
  HostFacts host = current_host_facts();
  host.netem = netem_available().is_ok();
  for (auto& [key, value] : auditor_sections(run_dir, data->run, data->timeline, host, data->workload.size())) report[key] = value;
  // The readers' reports, each a pure function of the scored report (and the timeline); written
  // before the manifest so that the evidence covers them too.
  std::ofstream(run_dir + "/report.md") << markdown_report(report);
  std::ofstream(run_dir + "/junit.xml") << junit_report(report);
  std::vector<HtmlCompletion> completions;
  for (const WorkloadRecord& w : data->workload) {
    if (w.kind == WorkloadRecord::invoke || w.kind == WorkloadRecord::skipped) continue;
    completions.push_back(HtmlCompletion{(w.flags & WorkloadRecord::has_t) ? w.t_ns : -1, w.value,
                                         w.kind == WorkloadRecord::ok     ? HtmlCompletion::ok
                                         : w.kind == WorkloadRecord::fail ? HtmlCompletion::fail
                                                                          : HtmlCompletion::unknown,
                                         (w.flags & WorkloadRecord::has_latency) != 0});
  }
  std::ofstream(run_dir + "/report.html") << html_report(report, data->timeline, data->run, completions);
  report["evidence"] = make_manifest(run_dir);
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
  std::cout << report_summary(report) << "  report: " << run_dir << "/report.html (also report.json, report.md, junit.xml)"
            << std::endl;
  return exit_code_of(std::string(report.at("verdict").as_string()));
}

const char* type_name(FaultParameterType type) {
  switch (type) {
    case FaultParameterType::duration: return "duration";
    case FaultParameterType::signal: return "signal";
    case FaultParameterType::string: return "string";
    case FaultParameterType::integer: return "integer";
    case FaultParameterType::percent: return "percent";
    case FaultParameterType::bandwidth: return "rate";
    case FaultParameterType::offset: return "signed duration";
    case FaultParameterType::number: return "number";
    case FaultParameterType::node_groups: return "groups of nodes";
    case FaultParameterType::node_list: return "list of nodes";
  }
  return "?";
}

int list_faults() {
  for (const FaultKindEntry& k : builtin_fault_kinds().catalog().kinds()) {
    std::cout << k.name << "\n  " << k.summary << "\n"
              << "  mechanism:   " << k.mechanism << "\n"
              << "  verified:    " << k.verified_by << "\n"
              << "  reverted by: " << k.reverted_by << "\n"
              << "  privileges:  " << k.privileges << "\n"
              << "  parameters:  target, at" << (k.needs_duration ? ", duration" : "") << "\n";
    for (const auto& p : k.parameters) {
      std::cout << "    " << p.name << " (" << type_name(p.type) << (p.required ? ", required" : "")
                << (p.default_text.empty() ? "" : ", default " + p.default_text) << "): " << p.help
                << "\n";
    }
  }
  return 0;
}

int run_cli(int argc, char** argv) {
  CLI::App app{"firedrill: chaos-engineering and disaster-recovery drills for payment systems"};
  app.require_subcommand(1);
  std::vector<std::string> files;
  auto* validate_cmd = app.add_subcommand("validate", "check scenario files; errors as file:line:column");
  validate_cmd->add_option("scenarios", files, "scenario files")->required()->check(CLI::ExistingFile);
  std::string plan_file;
  std::optional<int64_t> seed;
  auto* plan_cmd = app.add_subcommand("plan", "print the resolved schedule without running anything");
  plan_cmd->add_option("scenario", plan_file, "scenario file")->required()->check(CLI::ExistingFile);
  plan_cmd->add_option("--seed", seed, "override the scenario's seed")
      ->check(CLI::Range(int64_t{0}, std::numeric_limits<int64_t>::max()));
  auto* faults_cmd = app.add_subcommand("faults", "list fault kinds, their parameters and privileges");
  RunArguments run_args;
  std::string score_dir;
  auto* score_cmd = app.add_subcommand("score", "re-score a finished or interrupted run directory");
  score_cmd->add_option("run_dir", score_dir, "run directory")->required()->check(CLI::ExistingDirectory);
  auto* run_cmd = app.add_subcommand("run", "run a drill: lab up, system up, faults, final reads, score");
  run_cmd->add_option("scenario", run_args.scenario, "scenario file (default: the game day, scenarios/gameday.toml)")
      ->check(CLI::ExistingFile);
  run_cmd->add_option("--seed", run_args.seed, "override the scenario's seed")
      ->check(CLI::Range(int64_t{0}, std::numeric_limits<int64_t>::max()));
  run_cmd->add_option("--out", run_args.out, "run directory (default: runs/<name>-<UTC time>)");
  run_cmd->add_option("--subnet", run_args.subnet, "the lab's IPv4 subnet");
  run_cmd->add_flag("--quiet", run_args.quiet, "no progress lines");
  run_cmd->add_flag("--clock-shim-everywhere", run_args.clock_shim_everywhere,
                    "preload the clock shim into every node, not only those a clock fault can reach "
                    "(to measure its cost: tests/bench/observer_effect)");
  run_cmd->add_option("--baseline", run_args.baseline, "a previous report.json: fail on regressions against it")
      ->check(CLI::ExistingFile);
  auto add_tolerance = [](CLI::App* cmd, Tolerance& t) {
    cmd->add_option("--tolerance-percent", t.percent, "a regression exceeds the base by more than this % ...")
        ->check(CLI::Range(0.0, 10'000.0));
    cmd->add_option("--tolerance-ms", t.floor_ms, "... and by more than this many ms")->check(CLI::Range(0.0, 3.6e6));
  };
  add_tolerance(run_cmd, run_args.tolerance);
  std::string base_report, candidate_report;
  Tolerance compare_tolerance;
  auto* compare_cmd = app.add_subcommand("compare", "compare a report with a baseline report (CI gate)");
  compare_cmd->add_option("base", base_report, "baseline report.json")->required()->check(CLI::ExistingFile);
  compare_cmd->add_option("candidate", candidate_report, "new report.json")->required()->check(CLI::ExistingFile);
  add_tolerance(compare_cmd, compare_tolerance);
  run_cmd->add_option("--sign-key", run_args.sign_key, "sign the report with this Ed25519 key (firedrill keygen)")
      ->check(CLI::ExistingFile);
  std::string keygen_dir = ".";
  auto* keygen_cmd = app.add_subcommand("keygen", "make an Ed25519 key pair: firedrill.key (secret) and firedrill.pub");
  keygen_cmd->add_option("--out", keygen_dir, "directory for the key files")->check(CLI::ExistingDirectory);
  std::string sign_dir, sign_key;
  auto* sign_cmd = app.add_subcommand("sign", "sign a scored run directory's report (DSSE envelope, Ed25519)");
  sign_cmd->add_option("run_dir", sign_dir)->required()->check(CLI::ExistingDirectory);
  sign_cmd->add_option("--key", sign_key, "secret key file")->required()->check(CLI::ExistingFile);
  std::string verify_dir;
  std::optional<std::string> verify_pubkey;
  auto* verify_cmd = app.add_subcommand("verify", "check the timeline's chain, every artifact's digest and the signature");
  verify_cmd->add_option("run_dir", verify_dir)->required()->check(CLI::ExistingDirectory);
  verify_cmd->add_option("--pubkey", verify_pubkey, "public key file")->check(CLI::ExistingFile);
  std::vector<std::string> suite_inputs;
  std::string suite_out;
  auto* suite_cmd = app.add_subcommand("suite", "run several drills; one combined JUnit file and one table");
  suite_cmd->add_option("scenarios", suite_inputs, "scenario files or directories")->required()->check(CLI::ExistingPath);
  suite_cmd->add_option("--out", suite_out, "suite directory (default: runs/suite-<UTC time>)");
  bool suite_expect_stated = false;
  suite_cmd->add_flag("--expect-stated", suite_expect_stated,
                      "exit 0 when every drill ends with the verdict its description states (\"Expected verdict: X\"), "
                      "so that a set with demonstrations of failures can gate a merge");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (validate_cmd->parsed()) return validate(files);
  if (plan_cmd->parsed()) return plan(plan_file, seed);
  if (faults_cmd->parsed()) return list_faults();
  if (run_cmd->parsed()) return run(run_args);
  if (score_cmd->parsed()) return score_run(score_dir);
  if (keygen_cmd->parsed()) {
    auto pair = keygen(keygen_dir);
    if (!pair) {
      std::cerr << "firedrill keygen: " << pair.status().message() << "\n";
      return kExitUsage;
    }
    std::cout << "secret key: " << keygen_dir << "/firedrill.key (keep it private)\npublic key: " << keygen_dir
              << "/firedrill.pub\n";
    return 0;
  }
  if (sign_cmd->parsed()) {
    auto keyid = sign_run(sign_dir, sign_key);
    if (!keyid) {
      std::cerr << "firedrill sign: " << keyid.status().message() << "\n";
      return 1;
    }
    std::cout << "signed by key " << *keyid << ": " << sign_dir << "/report.dsse.json\n";
    return 0;
  }
  if (verify_cmd->parsed()) {
    VerifyResult r = verify_run(verify_dir, verify_pubkey);
    std::cout << r.text();
    return r.ok ? 0 : 1;
  }
  if (compare_cmd->parsed()) return compare_files(base_report, candidate_report, compare_tolerance);
  if (suite_cmd->parsed()) return run_suite(suite_inputs, suite_out, (std::filesystem::path(executable_dir()) / "firedrill").string(),
                                               suite_expect_stated);
  return kExitUsage;
}

}  // namespace
}  // namespace firedrill

int main(int argc, char** argv) {
  try {
    return firedrill::run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "firedrill: internal error: " << e.what() << "\n";
    return firedrill::kExitInternal;
  }
}
