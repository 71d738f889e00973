// The lab's process boundary (see lab.h): user namespace when not root, then new PID, mount and
// network namespaces, a fork into PID 1, and the outer process that waits and forwards signals.
#include "lab/lab.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace firedrill {
namespace {

// Most processes one reap_orphans() call reaps, so that a fork bomb in the lab cannot hold the
// controller's event loop; the rest wait for the next call.
constexpr int reaped_per_call_max = 1024;

// The signals the outer process passes on to the controller.
constexpr int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// The controller's pid as the outer process sees it, for the forwarding handler.
volatile sig_atomic_t controller_pid = 0;

std::string errno_text(int error) {
  return std::strerror(error);
}

// The integer in a /proc/sys file, or nullopt when the file is missing or unreadable.
std::optional<long> read_sysctl(const std::string& path) {
  std::ifstream file(path);
  long value = 0;
  if (!(file >> value)) return std::nullopt;
  return value;
}

// Writes `text` to an existing file (a /proc file needs one write(2) call), with errno context.
Status write_file(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::error("open " + path + ": " + errno_text(errno));
  const ssize_t written = write(fd, text.data(), text.size());
  const int error = errno;
  close(fd);
  if (written != static_cast<ssize_t>(text.size())) {
    return Status::error("write " + path + ": " + errno_text(written < 0 ? error : EIO));
  }
  return Status::ok();
}

int thread_count() {
  std::ifstream status_file("/proc/self/status");
  std::string line;
  while (std::getline(status_file, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  }
  return -1;  // unknown: treated as not single-threaded
}

// What the kernel configuration says blocks namespaces for this user, or "" when nothing known
// does (then the errno text is all there is: a seccomp filter, a container, ...).
std::string namespace_blocker() {
  const struct {
    const char* path;
    const char* sysctl;
    long blocking_value;
    const char* what;
  } checks[] = {
      {"/proc/sys/user/max_user_namespaces", "user.max_user_namespaces", 0,
       "user namespaces are disabled"},
      {"/proc/sys/kernel/unprivileged_userns_clone", "kernel.unprivileged_userns_clone", 0,
       "unprivileged user namespaces are disabled"},
      {"/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
       "kernel.apparmor_restrict_unprivileged_userns", 1,
       "AppArmor restricts unprivileged user namespaces"},
      {"/proc/sys/user/max_pid_namespaces", "user.max_pid_namespaces", 0,
       "PID namespaces are disabled"},
      {"/proc/sys/user/max_mnt_namespaces", "user.max_mnt_namespaces", 0,
       "mount namespaces are disabled"},
      {"/proc/sys/user/max_net_namespaces", "user.max_net_namespaces", 0,
       "network namespaces are disabled"},
  };
  for (const auto& check : checks) {
    if (read_sysctl(check.path) == check.blocking_value) {
      return std::string(check.what) + ": sysctl " + check.sysctl + "=" +
             std::to_string(check.blocking_value);
    }
  }
  return "";
}

// An error of the unprivileged path: the failed step, why, what blocks it, and the way out.
Status user_namespace_error(const std::string& step, const std::string& why) {
  std::string message = "enter_lab: " + step + ": " + why;
  if (const std::string blocker = namespace_blocker(); !blocker.empty()) message += ": " + blocker;
  return Status::error(message + " (run firedrill as root, or allow unprivileged user namespaces)");
}

// Enters a new user namespace in which the caller's uid and gid are 0.
Status enter_user_namespace() {
  const uid_t uid = geteuid();
  const gid_t gid = getegid();
  if (unshare(CLONE_NEWUSER) != 0) {
    return user_namespace_error("unshare(CLONE_NEWUSER)", errno_text(errno));
  }
  // Without "deny", an unprivileged process may not write gid_map.
  Status status = write_file("/proc/self/setgroups", "deny");
  if (status) status = write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n");
  if (status) status = write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n");
  if (!status) return user_namespace_error("mapping uid and gid to 0", status.message());
  return Status::ok();
}

// unshare() of the lab's PID, mount and network namespaces, and every mount made private.
Status enter_lab_namespaces(bool in_user_namespace) {
  if (unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET) != 0) {
    const std::string why = errno_text(errno);
    const std::string step = "unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET)";
    if (in_user_namespace) return user_namespace_error(step, why);
    return Status::error("enter_lab: " + step + ": " + why);
  }
  // Before anything is mounted: a shared mount would carry the lab's mounts back to the host.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return Status::error("enter_lab: making every mount private: " + errno_text(errno));
  }
  return Status::ok();
}

void forward_signal(int sig) {
  const int saved_errno = errno;
  if (controller_pid > 0) kill(controller_pid, sig);
  errno = saved_errno;
}

// The outer process: forwards signals to the controller until it ends, then exits with its code.
[[noreturn]] void run_outer_process(pid_t child, const sigset_t& forwarded) {
  controller_pid = child;
  struct sigaction action {};
  action.sa_handler = forward_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int sig : forwarded_signals) sigaction(sig, &action, nullptr);
  sigprocmask(SIG_UNBLOCK, &forwarded, nullptr);
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) _exit(127);  // cannot happen: `child` is ours and nobody else reaps it
  }
  // By now the whole lab is gone: PID 1 exits only after every process of its namespace has.
  _exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
}

// In the controller, just after the fork: tie its life to the outer process, and mount a /proc
// that shows the lab's PID namespace.
Status set_up_controller(int outer_pidfd) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
    return Status::error("enter_lab: prctl(PR_SET_PDEATHSIG): " + errno_text(errno));
  }
  // The outer process may have died before prctl. getppid() cannot tell (it is 0 here: the parent
  // is outside this PID namespace), but the outer process's pidfd is readable once it has exited.
  pollfd poll_fd{outer_pidfd, POLLIN, 0};
  if (poll(&poll_fd, 1, 0) != 0) _exit(128 + SIGKILL);
  close(outer_pidfd);
  // Without a fresh proc, /proc/PID would name the host's processes, not the lab's.
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return Status::error("enter_lab: mount proc on /proc: " + errno_text(errno));
  }
  // The lab's own /dev/shm: a node's programs may keep POSIX shared memory and semaphores there
  // and delete them only on a clean exit, so a killed node would leave them on the host. This
  // tmpfs dies with the lab's mount namespace. (Run directories may therefore not live under
  // /dev/shm.)
  if (mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m") != 0) {
    return Status::error("enter_lab: mount tmpfs on /dev/shm: " + errno_text(errno));
  }
  return Status::ok();
}

// The pid's parent from /proc/PID/stat, or -1.
pid_t parent_of(const std::string& pid) {
  std::ifstream file("/proc/" + pid + "/stat");
  std::string stat;
  std::getline(file, stat);
  // "pid (comm) state ppid ...": comm may contain anything, so parse after the last ')'.
  const std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  char state = 0;
  int ppid = -1;
  if (std::sscanf(stat.c_str() + paren + 1, " %c %d", &state, &ppid) != 2) return -1;
  return ppid;
}

// The slow path of reap_orphans(), when a supervised zombie is first in the kernel's line (waitid
// P_ALL would keep showing it): finds our children through /proc and reaps each unsupervised one.
int reap_unsupervised_children(const std::function<bool(pid_t)>& is_supervised) {
  std::vector<pid_t> children;
  if (DIR* proc = opendir("/proc")) {
    while (const dirent* entry = readdir(proc)) {
      if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
      if (parent_of(entry->d_name) == getpid()) children.push_back(std::atoi(entry->d_name));
    }
    closedir(proc);
  }
  int reaped = 0;
  for (pid_t child : children) {
    if (reaped == reaped_per_call_max) break;
    if (is_supervised(child)) continue;
    siginfo_t info{};
    if (waitid(P_PID, child, &info, WEXITED | WNOHANG) == 0 && info.si_pid == child) ++reaped;
  }
  return reaped;
}

}  // namespace

Result<LabInfo> enter_lab() {
  // unshare(CLONE_NEWUSER) refuses a multi-threaded process, and the others would leave threads
  // behind in the old namespaces.
  if (const int threads = thread_count(); threads != 1) {
    return Status::error("enter_lab: the process has " + std::to_string(threads) +
                         " threads: must be called while single-threaded");
  }
  LabInfo info;
  if (geteuid() != 0) {
    if (Status status = enter_user_namespace(); !status) return status;
    info.user_namespace = true;
  }
  info.outer_pid = getpid();
  const int outer_pidfd = static_cast<int>(syscall(SYS_pidfd_open, info.outer_pid, 0));
  if (outer_pidfd < 0) {
    return Status::error("enter_lab: pidfd_open (Linux >= 5.3): " + errno_text(errno));
  }
  if (Status status = enter_lab_namespaces(info.user_namespace); !status) {
    close(outer_pidfd);
    return status;
  }
  // Blocked across the fork, so that neither side can die of one before it is ready for it.
  sigset_t forwarded, previous;
  sigemptyset(&forwarded);
  for (int sig : forwarded_signals) sigaddset(&forwarded, sig);
  sigprocmask(SIG_BLOCK, &forwarded, &previous);
  const pid_t child = fork();
  if (child < 0) {
    const int error = errno;
    sigprocmask(SIG_SETMASK, &previous, nullptr);
    close(outer_pidfd);
    return Status::error("enter_lab: fork: " + errno_text(error));
  }
  if (child > 0) {
    close(outer_pidfd);
    run_outer_process(child, forwarded);
  }
  sigprocmask(SIG_SETMASK, &previous, nullptr);
  if (Status status = set_up_controller(outer_pidfd); !status) return status;
  return info;
}

int reap_orphans(const std::function<bool(pid_t)>& is_supervised) {
  int reaped = 0;
  while (reaped < reaped_per_call_max) {
    siginfo_t info{};
    // WNOWAIT: look without reaping, so that a supervised child stays for its pidfd watcher.
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0) break;  // ECHILD: none
    if (info.si_pid == 0) break;                                           // none has exited
    if (is_supervised(info.si_pid)) return reaped + reap_unsupervised_children(is_supervised);
    if (waitpid(info.si_pid, nullptr, WNOHANG) == info.si_pid) ++reaped;
  }
  return reaped;
}

}  // namespace firedrill
