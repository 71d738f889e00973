// firedrill: the command line (DESIGN.md §7). Maps every outcome to the documented exit codes:
// 0 success, 64 usage error, 65 invalid scenario, 70 internal error.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "cli/exit_codes.h"
#include "cli/fault_listing.h"
#include "cli/run_command.h"
#include "cli/score_command.h"
#include "cli/suite.h"
#include "evidence/signing.h"
#include "evidence/verify.h"
#include "fault/fault_kinds.h"
#include "plan/plan.h"
#include "scenario/scenario.h"

namespace firedrill {
namespace {

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
  c.run->add_option("--live", args.live,
                    "serve a live page of the drill at ADDRESS:PORT (alone: 127.0.0.1 and a free port, printed)")
      ->expected(0, 1)
      ->default_str(kLiveDefaultAddress);
  c.run->add_option("--live-linger", args.live_linger_s, "seconds the live page stays up after the verdict (default 30)")
      ->check(CLI::Range(0.0, 86'400.0));
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
  if (c.run->parsed()) return run_command(c.run_args);
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

// `--live` takes an optional ADDRESS:PORT: a bare `--live` before the scenario file must not
// take the file for its address, so `run`'s `--live` is made `--live=` the default here unless
// what follows is HOST:PORT (no '/', not a file) or a bare port (then on loopback).
std::vector<std::string> with_live_default(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  const auto run = std::find(args.begin(), args.end(), "run");
  for (auto it = run; it != args.end() && *it != "--"; ++it) {
    if (*it != "--live") continue;
    const std::string next = it + 1 != args.end() ? *(it + 1) : "";
    std::error_code ec;
    const bool is_port = !next.empty() && next.size() <= 5 && next.find_first_not_of("0123456789") == std::string::npos;
    const bool is_address = next.find(':') != std::string::npos && next.find('/') == std::string::npos &&
                            !std::filesystem::exists(next, ec);
    if (is_port) {
      *it = "--live=127.0.0.1:" + next;
      args.erase(it + 1);
      break;
    }
    if (!is_address) *it = std::string("--live=") + kLiveDefaultAddress;
  }
  return args;
}

int run_cli(int argc, char** argv) {
  Commands c;
  c.app.require_subcommand(1);
  add_reading_commands(c);
  add_run_command(c);
  add_gate_and_evidence_commands(c);
  add_suite_command(c);
  try {
    std::vector<std::string> args = with_live_default(argc, argv);
    std::reverse(args.begin(), args.end());
    args.pop_back();  // the program's name
    c.app.parse(args);
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
