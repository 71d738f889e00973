// The common start-up of the refpay programs; see program.h.
#include "common/program.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>

namespace refpay {

int run_program(int argc, char** argv, const std::string& name,
                const std::function<Status(Config&)>& configure, const MakeService& make) {
  CLI::App app{name + ": part of refpay, the reference payment system of firedrill"};
  std::string config_path;
  std::vector<std::string> overrides;
  std::string log_level = "info";
  app.add_option("-c,--config", config_path, "TOML configuration file");
  app.add_option("--set", overrides, "override one key: section.key=value (repeatable)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  CLI11_PARSE(app, argc, argv);

  auto logger = spdlog::stderr_color_mt(name);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %n %l: %v");
  logger->set_level(spdlog::level::from_str(log_level));
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  std::signal(SIGPIPE, SIG_IGN);

  auto config = Config::load(config_path, overrides);
  Status status = config ? configure(*config) : config.status();
  if (status) status = config->check_all_read();
  if (!status) {
    std::cerr << name << ": configuration error: " << status.message() << "\n";
    return kExitConfig;
  }

  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  auto service = make(io);
  Status started = service ? (*service)->start() : service.status();
  if (!started) {
    std::cerr << name << ": " << started.message() << "\n";
    return 1;
  }
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("{}: signal {}, stopping", name, signal);
    (*service)->stop();
    io.stop();
  });
  io.run();
  spdlog::default_logger()->flush();
  return 0;
}

}  // namespace refpay
