// What every refpay program does at start: parse --config/--set/--log-level with CLI11, load the
// TOML strictly, set up spdlog, and run one io_context until SIGINT or SIGTERM.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"

namespace boost::asio {
class io_context;
}

namespace refpay {

// Exit code for a configuration error (sysexits EX_CONFIG).
constexpr int kExitConfig = 78;

// Parses the command line, loads the config and calls `configure` to read it into the program's
// own settings (reporting unread keys afterwards); then calls `run` with a fresh io_context, runs
// it until a stop signal, and calls `stop`. Returns the process exit code; a config error prints
// one line naming the key and returns kExitConfig.
int run_program(int argc, char** argv, const std::string& name,
                const std::function<Status(Config&)>& configure,
                const std::function<Status(boost::asio::io_context&)>& start,
                const std::function<void()>& stop);

}  // namespace refpay
