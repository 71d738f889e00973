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

// Starts `firedrill run SCENARIO --out DIR` with stdout and stderr to DIR.log; `uid` >= 0 runs it
// as that user.
inline pid_t start_run(const std::string& scenario, const std::string& out, int uid = -1) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open((out + ".log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    dup2(fd, 1);
    dup2(fd, 2);
    if (uid >= 0 && (setgid(static_cast<gid_t>(uid)) != 0 || setuid(static_cast<uid_t>(uid)) != 0)) _exit(126);
    std::string exe = firedrill_path();
    execl(exe.c_str(), exe.c_str(), "run", scenario.c_str(), "--out", out.c_str(), nullptr);
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

}  // namespace firedrill::testing
