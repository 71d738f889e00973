// Helpers of the residue tests (residue_test.cc, lab_test.cc): starting residue_probe and looking,
// from the host, for what a lab leaves behind — processes marked with the test's token, namespaces
// still reachable through some process or fd, links in the host's network namespace, mounts.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"

namespace firedrill::residue {

// The variable residue_probe passes to everything it starts; its value is the test's token.
inline constexpr const char* marker_variable = "FIREDRILL_RESIDUE";

// A started residue_probe: its (outer) pid, the pipe carrying its stdout and stderr, what it has
// printed so far, and its "ready ..." line once seen.
struct Probe {
  pid_t pid = 0;
  int output_fd = -1;
  std::string output;
  std::string ready_line;
};

inline std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> names;
  if (DIR* dir = opendir(path.c_str())) {
    while (const dirent* entry = readdir(dir)) {
      if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) {
        names.push_back(entry->d_name);
      }
    }
    closedir(dir);
  }
  return names;
}

inline std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  for (const std::string& name : list_dir("/proc")) {
    if (name.find_first_not_of("0123456789") == std::string::npos) pids.push_back(std::stoi(name));
  }
  return pids;
}

inline std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Processes whose environment holds marker_variable=token (zombies have none and do not count).
inline std::vector<pid_t> marked_processes(const std::string& token) {
  const std::string needle = std::string(marker_variable) + "=" + token;
  std::vector<pid_t> pids;
  for (pid_t pid : all_pids()) {
    const std::string environ = read_file("/proc/" + std::to_string(pid) + "/environ");
    std::size_t start = 0;
    while (start < environ.size()) {
      const std::size_t end = std::min(environ.find('\0', start), environ.size());
      if (environ.compare(start, end - start, needle) == 0) {
        pids.push_back(pid);
        break;
      }
      start = end + 1;
    }
  }
  return pids;
}

// The inode of a namespace link ("net:[4026532001]") of type `type`, or 0.
inline ino_t namespace_inode(const std::string& link_text, const std::string& type) {
  const std::string prefix = type + ":[";
  if (link_text.rfind(prefix, 0) != 0) return 0;
  return static_cast<ino_t>(std::strtoull(link_text.c_str() + prefix.size(), nullptr, 10));
}

inline std::string read_link(const std::string& path) {
  char buffer[256];
  const ssize_t size = readlink(path.c_str(), buffer, sizeof(buffer));
  return size > 0 ? std::string(buffer, static_cast<std::size_t>(size)) : std::string();
}

// The namespaces of type `type` ("net", "mnt") that process `pid` keeps alive: each thread's, and
// any held by an open fd.
inline std::set<ino_t> namespaces_of(pid_t pid, const std::string& type) {
  std::set<ino_t> inodes;
  const std::string proc = "/proc/" + std::to_string(pid);
  for (const std::string& tid : list_dir(proc + "/task")) {
    if (ino_t ns = namespace_inode(read_link(proc + "/task/" + tid + "/ns/" + type), type)) {
      inodes.insert(ns);
    }
  }
  for (const std::string& fd : list_dir(proc + "/fd")) {
    if (ino_t ns = namespace_inode(read_link(proc + "/fd/" + fd), type)) inodes.insert(ns);
  }
  return inodes;
}

// Every namespace of type `type` reachable from the host: through a process, a thread, an fd, or a
// bind mount (`ip netns add`) in our mount namespace.
inline std::set<ino_t> reachable_namespaces(const std::string& type) {
  std::set<ino_t> inodes;
  for (pid_t pid : all_pids()) {
    for (ino_t ns : namespaces_of(pid, type)) inodes.insert(ns);
  }
  std::istringstream mountinfo(read_file("/proc/self/mountinfo"));
  std::string line;
  while (std::getline(mountinfo, line)) {
    std::istringstream fields(line);
    std::string id, parent, device, root;
    fields >> id >> parent >> device >> root;
    if (ino_t ns = namespace_inode(root, type)) inodes.insert(ns);
  }
  return inodes;
}

// The interface names of the calling thread's network namespace.
inline std::set<std::string> host_links() {
  std::set<std::string> names;
  if (struct if_nameindex* links = if_nameindex()) {
    for (struct if_nameindex* entry = links; entry->if_index != 0; ++entry) {
      names.insert(entry->if_name);
    }
    if_freenameindex(links);
  }
  return names;
}

// Mount points at or under `dir` in the mount namespace of `pid` (0: our own).
inline std::vector<std::string> mounts_under(const std::string& dir, pid_t pid = 0) {
  const std::string proc = pid == 0 ? "/proc/self" : "/proc/" + std::to_string(pid);
  std::istringstream mounts(read_file(proc + "/mounts"));
  std::vector<std::string> found;
  std::string line;
  while (std::getline(mounts, line)) {
    std::istringstream fields(line);
    std::string source, target;
    fields >> source >> target;
    if (target == dir || target.rfind(dir + "/", 0) == 0) found.push_back(target);
  }
  return found;
}

// The first child of `parent` found in /proc, or -1.
inline pid_t child_of(pid_t parent) {
  for (pid_t pid : all_pids()) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const std::size_t paren = stat.rfind(')');
    char state = 0;
    int ppid = 0;
    if (paren != std::string::npos &&
        std::sscanf(stat.c_str() + paren + 1, " %c %d", &state, &ppid) == 2 && ppid == parent) {
      return pid;
    }
  }
  return -1;
}

// residue_probe, beside the running test binary.
inline std::string probe_path() {
  return (std::filesystem::path(read_link("/proc/self/exe")).parent_path() / "residue_probe")
      .string();
}

// A random hex token naming one test's processes.
inline std::string make_token() {
  std::random_device random;
  char text[17];
  std::snprintf(text, sizeof(text), "%08x%08x", random(), random());
  return text;
}

// A fresh, empty directory under /tmp, writable by everyone (sticky), for an unprivileged probe.
inline std::string make_run_dir() {
  char path[] = "/tmp/firedrill-residue-XXXXXX";
  if (mkdtemp(path) == nullptr) return "";
  chmod(path, 01777);
  return path;
}

// Removes a run directory. Only the mount points' directories are in it: the volumes were in the
// lab's mount namespace, and remove_all() would refuse nothing it should keep.
inline void remove_run_dir(const std::string& dir) {
  std::error_code error;
  std::filesystem::remove_all(dir, error);
}

// Waits up to `timeout` for child `pid` to end; its wait status, or -1.
inline int wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < deadline);
  return -1;
}

// Reaps every child that ends within `timeout` (ours and orphans given to us as subreaper).
inline void reap_children(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const pid_t pid = waitpid(-1, nullptr, WNOHANG);
    if (pid < 0) return;  // ECHILD: none left
    if (pid == 0) {
      if (std::chrono::steady_clock::now() >= deadline) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

// Reads the probe's output until a line starting with "ready" or an exit, within `timeout`.
inline Status read_until_ready(Probe& probe, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const std::size_t ready = probe.output.find("ready");
    const std::size_t end = probe.output.find('\n', ready);
    if (ready != std::string::npos && end != std::string::npos &&
        (ready == 0 || probe.output[ready - 1] == '\n')) {
      probe.ready_line = probe.output.substr(ready, end - ready);
      return Status::ok();
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::error("no \"ready\" in time; output: " + probe.output);
    pollfd poll_fd{probe.output_fd, POLLIN, 0};
    if (poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[4096];
    const ssize_t size = read(probe.output_fd, buffer, sizeof(buffer));
    if (size <= 0) return Status::error("probe ended before \"ready\"; output: " + probe.output);
    probe.output.append(buffer, static_cast<std::size_t>(size));
  }
}

// Starts residue_probe on `run_dir` with stdout and stderr on a pipe, as user and group `uid` when
// given (the caller must be root then), and waits for its "ready" line.
inline Result<Probe> spawn_probe(const std::string& run_dir, const std::string& token,
                                 std::optional<uid_t> uid, std::chrono::milliseconds timeout) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0)
    return Status::error(std::string("pipe2: ") + std::strerror(errno));
  const std::string path = probe_path();
  const std::string marker = std::string(marker_variable) + "=" + token;
  const pid_t pid = fork();
  if (pid < 0) return Status::error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    if (uid && (setgroups(0, nullptr) != 0 || setgid(*uid) != 0 || setuid(*uid) != 0)) _exit(126);
    const char* argv[] = {path.c_str(), run_dir.c_str(), nullptr};
    const char* envp[] = {marker.c_str(), "PATH=/usr/bin:/bin", nullptr};
    execve(path.c_str(), const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    _exit(127);
  }
  close(pipe_fds[1]);
  Probe probe;
  probe.pid = pid;
  probe.output_fd = pipe_fds[0];
  Status ready = read_until_ready(probe, timeout);
  if (!ready) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    close(probe.output_fd);
    return ready;
  }
  return probe;
}

}  // namespace firedrill::residue
