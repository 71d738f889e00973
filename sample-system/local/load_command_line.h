// The command-line options of the programs that push payments through a local refpay (refpay-demo
// and tests/bench/refpay_throughput.cc), defined once so both read them alike.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace refpay {

struct LoadCommandLine {
  int seconds = 10;
  int concurrency = 32;
  std::string replication = "sync";
};

// Adds --seconds (1..seconds_max), --concurrency and --replication to `app`, read into `load`.
inline void add_load_options(CLI::App& app, LoadCommandLine& load, int seconds_max) {
  app.add_option("--seconds", load.seconds, "how long to send payments")->check(CLI::Range(1, seconds_max));
  app.add_option("--concurrency", load.concurrency, "payments in flight")->check(CLI::Range(1, 1024));
  app.add_option("--replication", load.replication, "sync or async")->check(CLI::IsMember({"sync", "async"}));
}

}  // namespace refpay
