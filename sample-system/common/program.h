// What every refpay program does at start: parse --config/--set/--log-level with CLI11, load the
// TOML strictly, set up spdlog, and run one io_context until SIGINT or SIGTERM.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/service.h"
#include "common/status.h"

namespace refpay {

// Exit code for a configuration error (sysexits EX_CONFIG).
constexpr int kExitConfig = 78;

// Makes a program's service on the process's io_context, or says why it cannot.
using MakeService = std::function<Result<std::unique_ptr<Service>>(boost::asio::io_context&)>;

// Parses the command line, loads the config and calls `configure` to read it into the program's
// own settings (reporting unread keys afterwards); then makes the service with a fresh io_context,
// starts it, runs until a stop signal, and stops it. Returns the process exit code; a config
// error prints one line naming the key and returns kExitConfig.
int run_program(int argc, char** argv, const std::string& name,
                const std::function<Status(Config&)>& configure, const MakeService& make);

// run_program for a service that only needs its settings: `read` fills a Settings from the
// config, and `make` builds the service from them (the arbiter's and the gateway's main).
template <typename Settings>
int run_service_program(int argc, char** argv, const std::string& name, Status (*read)(Config&, Settings&),
                        std::unique_ptr<Service> (*make)(boost::asio::io_context&, Settings)) {
  Settings settings;
  return run_program(
      argc, argv, name, [&](Config& c) { return read(c, settings); },
      [&](boost::asio::io_context& io) -> Result<std::unique_ptr<Service>> { return make(io, settings); });
}

}  // namespace refpay
