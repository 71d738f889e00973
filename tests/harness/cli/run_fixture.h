// Helpers of the `firedrill run` tests: start the real binary on a scenario, wait for it, read
// what it left in the run directory.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace firedrill::testing {

namespace fs = std::filesystem;
namespace json = boost::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

inline const fs::path kSource = FIREDRILL_SOURCE_DIR;

inline std::string firedrill_path() {
  return fs::read_symlink("/proc/self/exe").parent_path() / "firedrill";
}

inline std::string make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "firedrill-run-XXXXXX").string();
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  return pattern;
}

// Starts `firedrill run SCENARIO --out DIR [EXTRA...]` with stdout and stderr to DIR.log; `uid` >= 0
// runs it as that user. An empty SCENARIO runs `firedrill run --out DIR`: the default game day.
inline pid_t start_run(const std::string& scenario, const std::string& out, int uid = -1,
                       const std::vector<std::string>& extra = {}) {
  std::string exe = firedrill_path();
  std::vector<std::string> args{exe, "run"};
  if (!scenario.empty()) args.push_back(scenario);
  args.insert(args.end(), {"--out", out});
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open((out + ".log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    dup2(fd, 1);
    dup2(fd, 2);
    if (uid >= 0 && (setgid(static_cast<gid_t>(uid)) != 0 || setuid(static_cast<uid_t>(uid)) != 0)) _exit(126);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// Waits for the process; returns its exit code, or -1 on timeout (then it is killed).
inline int wait_exit(pid_t pid, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  int status = 0;
  while (Clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

inline std::vector<json::object> read_timeline(const std::string& run_dir) {
  std::vector<json::object> records;
  std::ifstream in(run_dir + "/timeline.jsonl");
  std::string line;
  while (std::getline(in, line)) records.push_back(json::parse(line).as_object());
  return records;
}

inline std::string text_of(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline bool has(const std::vector<json::object>& records, const std::string& kind,
         const std::function<bool(const json::object&)>& match = {}) {
  for (const auto& r : records) {
    if (r.at("kind") == json::value(kind) && (!match || match(r))) return true;
  }
  return false;
}

// Polls the timeline until a record of `kind` appears.
inline bool wait_for_record(const std::string& run_dir, const std::string& kind, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    std::string text = text_of(run_dir + "/timeline.jsonl");
    if (text.find("\"kind\":\"" + kind + "\"") != std::string::npos) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

// A drill run to its end: exit code, run directory, report.json and timeline.
struct Drill {
  int exit_code = -1;
  std::string dir;
  json::object report;
  std::vector<json::object> timeline;
};

// Runs `firedrill run SCENARIO --out OUT` to its end (OUT: a fresh temp dir's "run" by default).
inline Drill run_to_end(const fs::path& scenario, std::string out = "", milliseconds timeout = milliseconds(180'000)) {
  Drill d;
  d.dir = out.empty() ? make_temp_dir() + "/run" : std::move(out);
  d.exit_code = wait_exit(start_run(scenario.string(), d.dir), timeout);
  std::string report = text_of(d.dir + "/report.json");
  if (!report.empty()) d.report = json::parse(report).as_object();
  d.timeline = read_timeline(d.dir);
  return d;
}

// The payments lost, counted independently of scoring: the keys acknowledged on the timeline
// that are missing from ledger-1's export. Each other ledger's export must miss the same ones
// after convergence (`disagreements` names any that do not).
inline std::set<std::string> independently_lost(const Drill& d, std::vector<std::string>* disagreements) {
  std::set<std::string> acknowledged;
  for (const auto& r : d.timeline) {
    if (r.at("source") == "workload" && r.at("kind") == "ok") acknowledged.insert(std::string(r.at("key").as_string()));
  }
  std::set<std::string> lost;
  for (const char* node : {"ledger-1", "ledger-2", "ledger-3"}) {
    std::set<std::string> present;
    std::istringstream in(text_of(d.dir + "/exports/" + node + ".ndjson"));
    for (std::string line; std::getline(in, line);) {
      present.insert(std::string(json::parse(line).at("idempotency_key").as_string()));
    }
    std::set<std::string> missing;
    for (const auto& key : acknowledged) {
      if (!present.count(key)) missing.insert(key);
    }
    if (std::string(node) == "ledger-1") {
      lost = missing;
    } else if (missing != lost && disagreements) {
      disagreements->push_back(std::string(node) + " disagrees with ledger-1 after convergence");
    }
  }
  return lost;
}

// The strings of a JSON array, as a set.
inline std::set<std::string> string_set(const json::value& list) {
  std::set<std::string> out;
  for (const auto& v : list.as_array()) out.insert(std::string(v.as_string()));
  return out;
}

// What of a drill could remain on the host: its processes (found by the run directory in their
// command line or environment), the network namespaces they live in, mounts of the run
// directory, links of the host. Other drills may run at the same time (ctest -j), so the
// namespaces checked are only those of this drill's own processes, seen while it ran.
struct HostState {
  std::set<pid_t> drill_processes;
  std::set<std::string> drill_net_namespaces;
  std::set<std::string> net_namespaces;  // of every process
  std::vector<std::string> drill_mounts;
  std::set<std::string> links;
};

inline HostState host_state(const std::string& run_dir) {
  HostState state;
  // The host's own namespace is not the drill's, though firedrill's outer process lives in it.
  std::error_code self_ec;
  const std::string host_ns = fs::read_symlink("/proc/self/ns/net", self_ec).string();
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code ec;
    auto ns = fs::read_symlink(entry.path() / "ns/net", ec);
    if (!ec) state.net_namespaces.insert(ns.string());
    std::string environ = text_of(entry.path() / "environ");
    std::string cmdline = text_of(entry.path() / "cmdline");
    if (environ.find(run_dir) != std::string::npos || cmdline.find(run_dir) != std::string::npos) {
      state.drill_processes.insert(std::stoi(name));
      if (!ec && ns.string() != host_ns) state.drill_net_namespaces.insert(ns.string());
    }
  }
  std::ifstream mounts("/proc/self/mounts");
  for (std::string line; std::getline(mounts, line);) {
    if (line.find(run_dir) != std::string::npos) state.drill_mounts.push_back(line);
  }
  // The SSH test beds' bridges and veths (fdTAG0, fdTAG1, ...; tests/testing/ssh_testbed.h) come and
  // go with the SSH tests running beside this one: not the drill's.
  static const std::regex bed_link("fd[a-z]+[0-9]+");
  for (const auto& entry : fs::directory_iterator("/sys/class/net")) {
    const std::string link = entry.path().filename();
    if (!std::regex_match(link, bed_link)) state.links.insert(link);
  }
  return state;
}

// Within `timeout`, nothing of the drill seen in `during` remains.
inline void expect_nothing_left(const HostState& during, const std::string& run_dir, milliseconds timeout) {
  EXPECT_FALSE(during.drill_net_namespaces.empty()) << "the drill's namespaces were never seen";
  auto deadline = Clock::now() + timeout;
  HostState now;
  std::vector<std::string> remaining;
  auto clean = [&] {
    now = host_state(run_dir);
    remaining.clear();
    for (const auto& ns : during.drill_net_namespaces) {
      if (now.net_namespaces.count(ns)) remaining.push_back(ns);
    }
    return now.drill_processes.empty() && now.drill_mounts.empty() && remaining.empty() && now.links == during.links;
  };
  while (!clean() && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(20));
  EXPECT_TRUE(now.drill_processes.empty()) << now.drill_processes.size() << " drill processes remain";
  EXPECT_TRUE(now.drill_mounts.empty()) << now.drill_mounts.front();
  for (const auto& ns : remaining) ADD_FAILURE() << "network namespace " << ns << " of the drill remains";
  EXPECT_EQ(now.links, during.links);
}

}  // namespace firedrill::testing
