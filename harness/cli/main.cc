// firedrill: the command line (DESIGN.md §7). Maps every outcome to the documented exit codes:
// 0 success, 64 usage error, 65 invalid scenario, 70 internal error.
#include <CLI/CLI.hpp>
#include <iostream>

#include "faults/catalog.h"
#include "plan/plan.h"
#include "scenario/scenario.h"

namespace firedrill {
namespace {

constexpr int kExitUsage = 64;
constexpr int kExitInvalidScenario = 65;
constexpr int kExitInternal = 70;

// Prints every diagnostic of every file; 65 when any file is invalid.
int validate(const std::vector<std::string>& files) {
  int exit_code = 0;
  for (const auto& file : files) {
    auto loaded = load_scenario(file);
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
  auto loaded = load_scenario(file);
  if (auto* errors = std::get_if<Diagnostics>(&loaded)) {
    std::cerr << errors->text();
    return kExitInvalidScenario;
  }
  const Scenario& s = std::get<Scenario>(loaded);
  std::cout << make_plan(s, seed ? static_cast<uint64_t>(*seed) : s.drill.seed).text();
  return 0;
}

const char* type_name(FaultParameterType type) {
  switch (type) {
    case FaultParameterType::duration: return "duration";
    case FaultParameterType::signal: return "signal";
    case FaultParameterType::string: return "string";
    case FaultParameterType::integer: return "integer";
  }
  return "?";
}

int list_faults() {
  for (const FaultKind& k : fault_catalog()) {
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
