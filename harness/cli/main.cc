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
#include "cli/fault_listing.h"
#include "cli/suite.h"
#include "evidence/auditor_sections.h"
#include "host/host_facts.h"
#include "evidence/manifest.h"
#include "evidence/signing.h"
#include "evidence/verify.h"
#include "reports/compare.h"
#include "reports/html_report.h"
#include "reports/junit_report.h"
#include "reports/markdown_report.h"
#include "scoring/big_buffers.h"
#include "scoring/chart_series.h"
#include "scoring/report_events.h"
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
  // A drill on hosts builds no lab: the controller reaches the hosts from where it runs.
  auto lab = scenario.system.on_hosts() ? Result<LabInfo>(LabInfo{}) : enter_lab();  // from here on we are the lab's init
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
  std::ofstream(run_dir + "/report.html") << html_report(report, data->run, chart_series(*data, report), report_events(*data));
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
  std::cout << report_summary(report) << "  report: " << run_dir << "/report.html (also report.json, report.md, junit.xml)"
            << std::endl;
  return exit_code_of(std::string(report.at("verdict").as_string()));
}

// Every subcommand and what it parsed, in the order `firedrill --help` lists them.
struct Commands {
  CLI::App app{"firedrill: chaos-engineering and disaster-recovery drills for payment systems"};
  CLI::App* validate = nullptr;
  std::vector<std::string> files;
  CLI::App* plan = nullptr;
  std::string plan_file;
  std::optional<int64_t> seed;
  CLI::App* faults = nullptr;
  CLI::App* score = nullptr;
  std::string score_dir;
  CLI::App* run = nullptr;
  RunArguments run_args;
  CLI::App* compare = nullptr;
  std::string base_report, candidate_report;
  Tolerance compare_tolerance;
  CLI::App* keygen = nullptr;
  std::string keygen_dir = ".";
  CLI::App* sign = nullptr;
  std::string sign_dir, sign_key;
  CLI::App* verify = nullptr;
  std::string verify_dir;
  std::optional<std::string> verify_pubkey;
  CLI::App* suite = nullptr;
  std::vector<std::string> suite_inputs;
  std::string suite_out;
  bool suite_expect_stated = false;
};

const auto kSeedRange = CLI::Range(int64_t{0}, std::numeric_limits<int64_t>::max());

void add_tolerance(CLI::App* cmd, Tolerance& t) {
  cmd->add_option("--tolerance-percent", t.percent, "a regression exceeds the base by more than this % ...")
      ->check(CLI::Range(0.0, 10'000.0));
  cmd->add_option("--tolerance-ms", t.floor_ms, "... and by more than this many ms")->check(CLI::Range(0.0, 3.6e6));
}

// validate, plan, faults, score: the commands that only read.
void add_reading_commands(Commands& c) {
  c.validate = c.app.add_subcommand("validate", "check scenario files; errors as file:line:column");
  c.validate->add_option("scenarios", c.files, "scenario files")->required()->check(CLI::ExistingFile);
  c.plan = c.app.add_subcommand("plan", "print the resolved schedule without running anything");
  c.plan->add_option("scenario", c.plan_file, "scenario file")->required()->check(CLI::ExistingFile);
  c.plan->add_option("--seed", c.seed, "override the scenario's seed")->check(kSeedRange);
  c.faults = c.app.add_subcommand("faults", "list fault kinds, their parameters and privileges");
  c.score = c.app.add_subcommand("score", "re-score a finished or interrupted run directory");
  c.score->add_option("run_dir", c.score_dir, "run directory")->required()->check(CLI::ExistingDirectory);
}

void add_run_command(Commands& c) {
  RunArguments& args = c.run_args;
  c.run = c.app.add_subcommand("run", "run a drill: lab up, system up, faults, final reads, score");
  c.run->add_option("scenario", args.scenario, "scenario file (default: the game day, scenarios/gameday.toml)")
      ->check(CLI::ExistingFile);
  c.run->add_option("--seed", args.seed, "override the scenario's seed")->check(kSeedRange);
  c.run->add_option("--out", args.out, "run directory (default: runs/<name>-<UTC time>)");
  c.run->add_option("--subnet", args.subnet, "the lab's IPv4 subnet");
  c.run->add_flag("--quiet", args.quiet, "no progress lines");
  c.run->add_flag("--clock-shim-everywhere", args.clock_shim_everywhere,
                  "preload the clock shim into every node, not only those a clock fault can reach "
                  "(to measure its cost: tests/bench/observer_effect)");
  c.run->add_option("--baseline", args.baseline, "a previous report.json: fail on regressions against it")
      ->check(CLI::ExistingFile);
  add_tolerance(c.run, args.tolerance);
}

// compare, and the evidence commands: keygen, sign, verify (run's --sign-key is listed after
// compare's options, as it always was).
void add_gate_and_evidence_commands(Commands& c) {
  c.compare = c.app.add_subcommand("compare", "compare a report with a baseline report (CI gate)");
  c.compare->add_option("base", c.base_report, "baseline report.json")->required()->check(CLI::ExistingFile);
  c.compare->add_option("candidate", c.candidate_report, "new report.json")->required()->check(CLI::ExistingFile);
  add_tolerance(c.compare, c.compare_tolerance);
  c.run->add_option("--sign-key", c.run_args.sign_key, "sign the report with this Ed25519 key (firedrill keygen)")
      ->check(CLI::ExistingFile);
  c.keygen = c.app.add_subcommand("keygen", "make an Ed25519 key pair: firedrill.key (secret) and firedrill.pub");
  c.keygen->add_option("--out", c.keygen_dir, "directory for the key files")->check(CLI::ExistingDirectory);
  c.sign = c.app.add_subcommand("sign", "sign a scored run directory's report (DSSE envelope, Ed25519)");
  c.sign->add_option("run_dir", c.sign_dir)->required()->check(CLI::ExistingDirectory);
  c.sign->add_option("--key", c.sign_key, "secret key file")->required()->check(CLI::ExistingFile);
  c.verify = c.app.add_subcommand("verify", "check the timeline's chain, every artifact's digest and the signature");
  c.verify->add_option("run_dir", c.verify_dir)->required()->check(CLI::ExistingDirectory);
  c.verify->add_option("--pubkey", c.verify_pubkey, "public key file")->check(CLI::ExistingFile);
}

void add_suite_command(Commands& c) {
  c.suite = c.app.add_subcommand("suite", "run several drills; one combined JUnit file and one table");
  c.suite->add_option("scenarios", c.suite_inputs, "scenario files or directories")->required()->check(CLI::ExistingPath);
  c.suite->add_option("--out", c.suite_out, "suite directory (default: runs/suite-<UTC time>)");
  c.suite->add_flag("--expect-stated", c.suite_expect_stated,
                    "exit 0 when every drill ends with the verdict its description states (\"Expected verdict: X\"), "
                    "so that a set with demonstrations of failures can gate a merge");
}

int keygen_command(const std::string& dir) {
  auto pair = keygen(dir);
  if (!pair) {
    std::cerr << "firedrill keygen: " << pair.status().message() << "\n";
    return kExitUsage;
  }
  std::cout << "secret key: " << dir << "/firedrill.key (keep it private)\npublic key: " << dir << "/firedrill.pub\n";
  return 0;
}

int sign_command(const std::string& run_dir, const std::string& key) {
  auto keyid = sign_run(run_dir, key);
  if (!keyid) {
    std::cerr << "firedrill sign: " << keyid.status().message() << "\n";
    return 1;
  }
  std::cout << "signed by key " << *keyid << ": " << run_dir << "/report.dsse.json\n";
  return 0;
}

int verify_command(const std::string& run_dir, const std::optional<std::string>& pubkey) {
  VerifyResult r = verify_run(run_dir, pubkey);
  std::cout << r.text();
  return r.ok ? 0 : 1;
}

// Runs the one subcommand that was parsed.
int dispatch(Commands& c) {
  if (c.validate->parsed()) return validate(c.files);
  if (c.plan->parsed()) return plan(c.plan_file, c.seed);
  if (c.faults->parsed()) return list_faults();
  if (c.run->parsed()) return run(c.run_args);
  if (c.score->parsed()) return score_run(c.score_dir);
  if (c.keygen->parsed()) return keygen_command(c.keygen_dir);
  if (c.sign->parsed()) return sign_command(c.sign_dir, c.sign_key);
  if (c.verify->parsed()) return verify_command(c.verify_dir, c.verify_pubkey);
  if (c.compare->parsed()) return compare_files(c.base_report, c.candidate_report, c.compare_tolerance);
  if (c.suite->parsed()) {
    return run_suite(c.suite_inputs, c.suite_out, (std::filesystem::path(executable_dir()) / "firedrill").string(),
                     c.suite_expect_stated);
  }
  return kExitUsage;
}

int run_cli(int argc, char** argv) {
  Commands c;
  c.app.require_subcommand(1);
  add_reading_commands(c);
  add_run_command(c);
  add_gate_and_evidence_commands(c);
  add_suite_command(c);
  try {
    c.app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return c.app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return c.app.exit(e);
  } catch (const CLI::ParseError& e) {
    c.app.exit(e);
    return kExitUsage;
  }
  return dispatch(c);
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
