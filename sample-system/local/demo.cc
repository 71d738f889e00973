// refpay-demo: starts refpay (3 ledgers, arbiter, gateway) on loopback, pushes a stream of
// payments through the gateway, and prints the throughput and the final balances check.
// The README's run command ends here until the harness's default game day replaces it.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "local/load.h"
#include "local/load_command_line.h"
#include "local/local_cluster.h"

using namespace refpay;

int main(int argc, char** argv) {
  CLI::App app{"refpay-demo: run the reference payment system and push payments through it"};
  LoadCommandLine command_line;
  std::string work_dir;
  add_load_options(app, command_line, 3600);
  app.add_option("--work-dir", work_dir, "where configs, data and logs go (default: a new temp dir)");
  CLI11_PARSE(app, argc, argv);

  if (work_dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "refpay-demo-XXXXXX").string();
    if (!mkdtemp(pattern.data())) {
      std::cerr << "refpay-demo: cannot create a temporary directory\n";
      return 1;
    }
    work_dir = pattern;
  }
  LocalClusterOptions options;
  options.work_dir = work_dir;
  options.replication = command_line.replication;
  std::cout << "starting refpay: 3 ledgers (" << command_line.replication << " replication), arbiter, gateway; "
            << "logs in " << work_dir << std::endl;
  auto cluster = LocalCluster::start(options);
  if (!cluster) {
    std::cerr << "refpay-demo: " << cluster.status().message() << "\n";
    return 1;
  }
  std::cout << "gateway " << (*cluster)->gateway_url() << "; sending payments for " << command_line.seconds
            << " s with " << command_line.concurrency << " in flight" << std::endl;
  LoadOptions load;
  load.gateway_url = (*cluster)->gateway_url();
  load.concurrency = command_line.concurrency;
  load.duration = std::chrono::seconds(command_line.seconds);
  load.accounts = options.accounts;
  LoadReport report = run_load(load);
  std::cout << report.summary() << std::endl;

  Status converged = (*cluster)->wait_converged(std::chrono::seconds(15));
  std::vector<std::string> urls;
  for (int i = 0; i < (*cluster)->ledger_count(); ++i) urls.push_back((*cluster)->ledger_url(i));
  LedgerCheck check = check_ledgers(urls, options.accounts, options.initial_balance);
  std::cout << "final balances check on " << urls.size() << " ledgers: " << check.summary() << std::endl;
  bool ok = converged && check.ok() && report.acknowledged > 0 &&
            check.transfers >= report.acknowledged;
  if (!converged) std::cout << converged.message() << std::endl;
  std::cout << (ok ? "PASS" : "FAIL") << ": " << report.acknowledged << " acknowledged payments, "
            << check.transfers << " transfers on every ledger" << std::endl;
  return ok ? 0 : 1;
}
