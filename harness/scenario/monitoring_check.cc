// Checking the monitoring's programs and files; see monitoring_check.h.
#include "scenario/monitoring_check.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/wait.h>

namespace fs = std::filesystem;

namespace firedrill {
namespace {

// `program` as exec would find it: a path, or a name on PATH; "" when there is none.
std::string find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0 ? program : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct ToolRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

ToolRun run_tool(const std::vector<std::string>& argv) {
  std::string command;
  for (const std::string& arg : argv) command += shell_quoted(arg) + " ";
  command += "2>&1";
  ToolRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return run;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// promtool's and amtool's complaints about `file`: "FILE: 7:15: group ..., rule 2, "X": ..."
// and "FILE: yaml: line 3: ..." become diagnostics at that line; any other line of a failed
// run is kept whole.
void add_tool_diagnostics(const std::string& file, const std::string& key, const std::string& tool,
                          const ToolRun& run, Diagnostics& d) {
  static const std::regex kAt(R"(^(\d+):(\d+): (.*)$)");
  static const std::regex kYamlLine(R"(^yaml: line (\d+): (.*)$)");
  std::stringstream lines(run.output);
  bool any = false;
  for (std::string line; std::getline(lines, line);) {
    const std::string prefix = file + ": ";
    if (line.rfind(prefix, 0) != 0) continue;
    const std::string rest = line.substr(prefix.size());
    std::smatch m;
    if (std::regex_match(rest, m, kAt)) {
      d.add(Diagnostic{file, std::stoi(m[1]), std::stoi(m[2]), key, tool + ": " + m[3].str()});
    } else if (std::regex_match(rest, m, kYamlLine)) {
      d.add(Diagnostic{file, std::stoi(m[1]), 0, key, tool + ": " + m[2].str()});
    } else {
      d.add(Diagnostic{file, 0, 0, key, tool + ": " + rest});
    }
    any = true;
  }
  if (!any) {
    std::string said = run.output;
    while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
    d.add(Diagnostic{file, 0, 0, key, tool + " failed (exit " + std::to_string(run.exit_code) + "): " + said});
  }
}

// The team's alertmanager.yml with {alert_url} standing for a receiver, as amtool can read it.
std::string alertmanager_config_for_check(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string config = text.str();
  const std::string placeholder = "{alert_url}";
  for (auto at = config.find(placeholder); at != std::string::npos; at = config.find(placeholder)) {
    config.replace(at, placeholder.size(), "http://127.0.0.1:9/alerts");
  }
  const fs::path copy = fs::temp_directory_path() / ("firedrill-am-check-" + std::to_string(getpid()) + ".yml");
  std::ofstream(copy) << config;
  return copy.string();
}

}  // namespace

void check_monitoring(SystemDefinition& system, Diagnostics& d) {
  MonitoringSpec& m = system.monitoring;
  bool tools = true;
  for (auto [key, program, package] :
       {std::tuple{"monitoring.prometheus", &m.prometheus, "prometheus"},
        std::tuple{"monitoring.alertmanager", &m.alertmanager, "prometheus-alertmanager"},
        std::tuple{"monitoring.promtool", &m.promtool, "prometheus"},
        std::tuple{"monitoring.amtool", &m.amtool, "prometheus-alertmanager"}}) {
    // On a host the programs are the host's (a name is found on its default PATH there).
    const bool on_host = !m.host.empty() && (program == &m.prometheus || program == &m.alertmanager);
    if (on_host) continue;
    const std::string found = find_program(*program);
    if (found.empty()) {
      d.add(Diagnostic{system.path, 0, 0, key,
                       "program \"" + *program + "\" not found (Debian's " + package +
                           " package; ./setup.sh installs it)"});
      tools = false;
    }
    *program = found;  // nodes start from a path, never a PATH search
  }
  if (!tools) return;
  for (const std::string& file : m.rule_files) {
    ToolRun run = run_tool({m.promtool, "check", "rules", file});
    if (run.exit_code != 0) add_tool_diagnostics(file, "monitoring.rules", "promtool check rules", run, d);
  }
  if (!m.alertmanager_config.empty()) {
    const std::string copy = alertmanager_config_for_check(m.alertmanager_config);
    ToolRun run = run_tool({m.amtool, "check-config", copy});
    std::error_code ec;
    fs::remove(copy, ec);
    if (run.exit_code != 0) {
      // amtool names the copy; the user's file is the one to fix.
      for (auto at = run.output.find(copy); at != std::string::npos; at = run.output.find(copy)) {
        run.output.replace(at, copy.size(), m.alertmanager_config);
      }
      add_tool_diagnostics(m.alertmanager_config, "monitoring.alertmanager_config", "amtool check-config", run, d);
    }
  }
}

}  // namespace firedrill
