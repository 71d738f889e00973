// The process supervisor (supervisor.h) on Boost.Process v2 (Boost 1.81) and Asio.
//
// Launching: bp::posix::default_launcher with process_stdio and one initializer of ours,
// ChildSetup, which does in the child, between fork and exec, what the lab needs (default signal
// dispositions, own process group, PR_SET_PDEATHSIG, setns, chdir) and gives the launcher the
// environment. Reaping: the pidfd-based async_wait of the process handle (Linux >= 5.3), chosen
// over a SIGCHLD signal_set + waitpid(WNOHANG) loop because it needs no process-wide signal handler
// and never reaps a child that is not ours; kill_all() and the destructor reap synchronously.
//
// Boost 1.81 quirks this file works around (each checked in /usr/include/boost/process/v2):
//  - process_environment::on_setup is defined only in src.hpp, which does not compile: ChildSetup
//    sets launcher.env itself;
//  - the launcher's (context, error_code&, ...) overload ignores the error_code and throws: we call
//    the (executor, error_code&, ...) overload;
//  - after a failed exec the child calls exit(), which would run the controller's atexit handlers
//    and flush its stdio buffers in the child; it also detects on_exec_error with a wrong
//    signature: ChildSetup declares both signatures and _exit()s;
//  - a child whose exec failed is not reaped by the launcher: we reap launcher.pid;
//  - ~basic_process SIGKILLs "its" pid if waitpid(WNOHANG) says it is running, even after we reaped
//    it (pid reuse): a reaped process is detached before it is destroyed.
#include "supervision/supervisor.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deque>
#include <fstream>
#include <system_error>
#include <utility>

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process::v2;

using Executor = asio::io_context::executor_type;
using Process = bp::basic_process<Executor>;

// The text of an errno value, e.g. "No such file or directory".
std::string errno_text(int err) { return std::generic_category().message(err); }

// "SIGKILL" for 9; "signal 64" when glibc has no name for it.
std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Opens a child's log for appending (created 0644), or /dev/null when `path` is empty. The fd is
// close-on-exec in the controller; dup2 onto 1 or 2 in the child clears that flag.
Result<std::shared_ptr<UniqueFd>> open_output(const std::string& path, const char* stream) {
  const char* target = path.empty() ? "/dev/null" : path.c_str();
  int fd = ::open(target, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::error(std::string("open ") + stream + " " + target + ": " + errno_text(errno));
  }
  return std::make_shared<UniqueFd>(fd);
}

// The Boost.Process v2 initializer that prepares the child. on_exec_setup runs in the forked child
// of a possibly multithreaded controller, so it makes only async-signal-safe calls; on failure it
// returns the errno, which the launcher also sends to the parent through its pipe.
struct ChildSetup {
  const char* const* env;   // "KEY=value" strings, null-terminated; owned by the caller of launch
  int netns_fd;             // -1: stay in the controller's network namespace
  const char* working_dir;  // nullptr: stay in the controller's working directory
  pid_t parent_pid;         // the controller, to detect that it died before PR_SET_PDEATHSIG

  // In the parent, before fork: the child's environment is exactly `env`.
  template <typename Launcher>
  bp::error_code on_setup(Launcher& launcher, const bp::filesystem::path&, const char* const*) {
    launcher.env = env;
    return {};
  }

  // In the child, before exec.
  template <typename Launcher>
  bp::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*) {
    // Ignored signals and the signal mask survive exec; a node must not inherit the controller's
    // (e.g. SIGPIPE ignored). Handlers are reset here rather than at exec so that a signal
    // arriving in between cannot run the controller's handler in the child.
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &default_action, nullptr);  // EINVAL ok
    sigset_t none;
    sigemptyset(&none);
    if (::sigprocmask(SIG_SETMASK, &none, nullptr) == -1) return last_error();
    // Own process group: signal(), stop() and kill_all() act on the node and its helpers.
    if (::setpgid(0, 0) == -1) return last_error();
    // The node dies with the controller, even if the controller is SIGKILLed.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) == -1) return last_error();
    if (::getppid() != parent_pid) return set_error(ESRCH);  // the controller died before prctl
    if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) == -1) return last_error();
    if (working_dir && ::chdir(working_dir) == -1) return last_error();
    return {};
  }

  // In the child, after the error was sent to the parent: leave without running the controller's
  // atexit handlers or flushing its stdio buffers (the launcher would call exit()).
  template <typename Launcher>
  void on_exec_error(Launcher&, const bp::filesystem::path&, const char* const*,
                     const bp::error_code&) {
    ::_exit(127);
  }
  // Boost 1.81 detects on_exec_error through this (wrong) signature, then calls the one above;
  // declared only, for that detection.
  template <typename Launcher>
  void on_exec_error(Launcher&, const bp::error_code&, const bp::filesystem::path&,
                     const char* const*, const bp::error_code&);

 private:
  static bp::error_code last_error() { return {errno, bp::system_category()}; }
  // The launcher reports errno (not our error_code) to the parent, so set both.
  static bp::error_code set_error(int err) {
    errno = err;
    return {err, bp::system_category()};
  }
};

// Launches `spec` and returns the running process, or why it could not be started
// ("fork/exec /bin/nope: No such file or directory").
Result<std::unique_ptr<Process>> launch(Executor executor, const ProcessSpec& spec) {
  // Checked here too, because the child can only report an errno, not which step failed.
  if (spec.netns_fd >= 0 && ::fcntl(spec.netns_fd, F_GETFD) == -1) {
    return Status::error("netns_fd " + std::to_string(spec.netns_fd) + ": " + errno_text(errno));
  }
  if (!spec.working_dir.empty() && ::access(spec.working_dir.c_str(), X_OK) == -1) {
    return Status::error("working_dir " + spec.working_dir + ": " + errno_text(errno));
  }
  // The exit is watched through a pidfd; without one (Linux < 5.3, a seccomp filter) Boost 1.81
  // would watch an invalid descriptor and report a running child as reaped.
  UniqueFd probe(static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0)));
  if (probe.get() < 0) {
    return Status::error("pidfd_open: " + errno_text(errno) + " (Linux >= 5.3 is required)");
  }
  UniqueFd stdin_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (stdin_fd.get() < 0) return Status::error("open stdin /dev/null: " + errno_text(errno));
  auto stdout_fd = open_output(spec.stdout_path, "stdout");
  if (!stdout_fd) return stdout_fd.status();
  auto stderr_fd = open_output(spec.stderr_path, "stderr");
  if (!stderr_fd) return stderr_fd.status();

  std::vector<std::string> env_strings;
  env_strings.reserve(spec.env.size());
  for (const auto& [key, value] : spec.env) env_strings.push_back(key + "=" + value);
  std::vector<const char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (const auto& entry : env_strings) envp.push_back(entry.c_str());
  envp.push_back(nullptr);
  const std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());

  ChildSetup setup{envp.data(), spec.netns_fd,
                   spec.working_dir.empty() ? nullptr : spec.working_dir.c_str(), ::getpid()};
  bp::posix::default_launcher launcher;
  bp::error_code ec;
  const std::string what = "fork/exec " + spec.argv[0];
  try {
    auto process = std::make_unique<Process>(
        launcher(executor, ec, bp::filesystem::path(spec.argv[0]), args, setup,
                 bp::process_stdio{stdin_fd.get(), (*stdout_fd)->get(), (*stderr_fd)->get()}));
    if (!ec) return process;
  } catch (const std::exception& e) {
    // Thrown after a successful fork (e.g. pidfd_open failed): the child must not run unwatched.
    if (launcher.pid > 0) {
      ::kill(launcher.pid, SIGKILL);
      ::waitpid(launcher.pid, nullptr, 0);
    }
    return Status::error(what + ": " + e.what());
  }
  // The child reported its errno and _exit()ed; reap it.
  if (launcher.pid > 0) ::waitpid(launcher.pid, nullptr, 0);
  return Status::error(what + ": " + ec.message());
}

// One node: its spec, its process while running, and its timers. Held by unique_ptr so that the
// process and timers never move while an asynchronous wait refers to them.
struct Node {
  explicit Node(Executor executor) : restart_timer(executor), stop_timer(executor) {}

  ProcessSpec spec;
  std::unique_ptr<Process> process;  // set from a successful start until the exit is reaped
  int pid = 0;
  bool running = false;
  bool exit_expected = false;  // the next exit was caused by the plan
  bool stopping = false;       // stop() sent SIGTERM; stop_timer holds the SIGKILL deadline
  // `generation` counts starts and `restart_token` restart_after() calls, so that a handler of an
  // older process or of a cancelled restart whose completion was already queued does nothing.
  std::uint64_t generation = 0;
  std::uint64_t restart_token = 0;
  bool restart_pending = false;
  asio::steady_timer restart_timer;
  asio::steady_timer stop_timer;
};

// An event of `kind` about `node` and its current pid (0 when it has none).
ProcessEvent make_event(ProcessEvent::Kind kind, const Node& node) {
  ProcessEvent event;
  event.kind = kind;
  event.name = node.spec.name;
  event.pid = node.pid;
  return event;
}

// Sends `sig` to the process group led by `pid`, or to `pid` alone if it has left its group.
int kill_group(int pid, int sig) {
  if (::kill(-pid, sig) == 0) return 0;
  if (errno != ESRCH) return -1;
  return ::kill(pid, sig);
}

}  // namespace

// A one-shot task: its process and its deadline; held by unique_ptr for the same reason.
struct Task {
  explicit Task(Executor executor) : deadline_timer(executor) {}

  std::unique_ptr<Process> process;
  int pid = 0;
  bool timed_out = false;
  asio::steady_timer deadline_timer;
  std::function<void(const TaskResult&)> done;
};

class Supervisor::Impl : public std::enable_shared_from_this<Supervisor::Impl> {
 public:
  Impl(asio::io_context& io, std::function<void(const ProcessEvent&)> on_event)
      : io_(io), on_event_(std::move(on_event)) {}

  ~Impl() {
    kill_all_nodes(/*deliver=*/false);
    kill_all_tasks();
  }

  void run_task(const ProcessSpec& spec, std::chrono::milliseconds deadline,
                std::function<void(const TaskResult&)> done) {
    auto process = launch(io_.get_executor(), spec);
    if (!process) {
      TaskResult result;
      result.error = process.status().with_context("supervisor.run_task: " + spec.name).message();
      asio::post(io_, [done = std::move(done), result] { done(result); });
      return;
    }
    const std::uint64_t id = ++task_counter_;
    auto task = std::make_unique<Task>(io_.get_executor());
    task->process = std::move(*process);
    task->pid = task->process->id();
    task->done = std::move(done);
    task->deadline_timer.expires_after(deadline);
    task->deadline_timer.async_wait([weak = weak_from_this(), id](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec == asio::error::operation_aborted) return;
      if (auto it = self->tasks_.find(id); it != self->tasks_.end()) {
        it->second->timed_out = true;
        kill_group(it->second->pid, SIGKILL);
      }
    });
    task->process->handle().async_wait(
        [weak = weak_from_this(), id](const boost::system::error_code& ec, int status) {
          auto self = weak.lock();
          if (!self) return;
          self->on_task_reaped(id, ec, status);
        });
    tasks_.emplace(id, std::move(task));
  }

  // Shutdown: every task still running is SIGKILLed and reaped, without calling `done`.
  void kill_all_tasks() {
    for (auto& [id, task] : tasks_) {
      kill_group(task->pid, SIGKILL);
      while (::waitpid(task->pid, nullptr, 0) == -1 && errno == EINTR) {
      }
      task->process->detach();
    }
    tasks_.clear();
  }

  Status start(const ProcessSpec& spec) {
    const std::string what = "supervisor.start: node " + spec.name;
    if (spec.name.empty()) return Status::error("supervisor.start: the node has no name");
    if (spec.argv.empty() || spec.argv[0].empty()) {
      return Status::error(what + ": argv[0] (the executable's path) is empty");
    }
    auto& slot = nodes_[spec.name];
    if (!slot) slot = std::make_unique<Node>(io_.get_executor());
    Node& node = *slot;
    if (node.running) {
      return Status::error(what + ": already running as pid " + std::to_string(node.pid));
    }
    cancel_restart(node);
    node.spec = spec;
    return launch_node(node);
  }

  Status signal(const std::string& name, int sig, bool expect_exit) {
    const std::string what = "supervisor.signal: node " + name;
    Node* node = find(name);
    if (!node) return Status::error(what + ": unknown node");
    if (!node->running) return Status::error(what + ": not running");
    if (kill_group(node->pid, sig) == -1) {
      return Status::error(what + ": kill " + signal_name(sig) + ": " + errno_text(errno));
    }
    if (expect_exit) node->exit_expected = true;
    return Status::ok();
  }

  Status restart_after(const std::string& name, std::chrono::milliseconds delay) {
    const std::string what = "supervisor.restart_after: node " + name;
    Node* node = find(name);
    if (!node) return Status::error(what + ": unknown node");
    if (node->running) {
      return Status::error(what + ": still running as pid " + std::to_string(node->pid));
    }
    if (node->restart_pending) return Status::error(what + ": a restart is already pending");
    node->restart_pending = true;
    const std::uint64_t token = ++node->restart_token;
    node->restart_timer.expires_after(delay);
    node->restart_timer.async_wait(
        [weak = weak_from_this(), name, token](const boost::system::error_code& ec) {
          auto self = weak.lock();
          if (!self || ec == asio::error::operation_aborted) return;
          self->on_restart_due(name, token);
        });
    return Status::ok();
  }

  Status stop(const std::string& name, std::chrono::milliseconds grace) {
    const std::string what = "supervisor.stop: node " + name;
    Node* node = find(name);
    if (!node) return Status::error(what + ": unknown node");
    cancel_restart(*node);
    if (!node->running || node->stopping) return Status::ok();
    if (kill_group(node->pid, SIGTERM) == -1) {
      return Status::error(what + ": kill SIGTERM: " + errno_text(errno));
    }
    node->exit_expected = true;
    node->stopping = true;
    const std::uint64_t generation = node->generation;
    node->stop_timer.expires_after(grace);
    node->stop_timer.async_wait(
        [weak = weak_from_this(), name, generation](const boost::system::error_code& ec) {
          auto self = weak.lock();
          if (!self || ec == asio::error::operation_aborted) return;
          self->on_grace_over(name, generation);
        });
    return Status::ok();
  }

  void kill_all_nodes(bool deliver) {
    for (auto& [name, node] : nodes_) {
      cancel_restart(*node);
      if (!node->running) continue;
      node->exit_expected = true;
      kill_group(node->pid, SIGKILL);
      int status = 0;
      int reaped = -1;
      do {
        reaped = ::waitpid(node->pid, &status, 0);
      } while (reaped == -1 && errno == EINTR);
      // ECHILD: the wait started in start() reaped a child that exited at once, and its
      // completion (with the status) is still queued; report the exit without a status.
      ProcessEvent event = finish(*node, reaped == node->pid ? std::optional<int>(status)
                                                             : std::nullopt);
      if (deliver) queue_.push_back(std::move(event));
    }
    if (deliver) drain();
  }

  std::optional<int> pid(const std::string& name) const {
    const Node* node = find(name);
    if (!node || !node->running) return std::nullopt;
    return node->pid;
  }

  bool running(const std::string& name) const {
    const Node* node = find(name);
    return node && node->running;
  }

  bool owns(int pid) const {
    for (const auto& [name, node] : nodes_) {
      if (node->running && node->pid == pid) return true;
    }
    for (const auto& [id, task] : tasks_) {
      if (task->pid == pid) return true;
    }
    return false;
  }

  std::optional<char> state(const std::string& name) const {
    auto node_pid = pid(name);
    if (!node_pid) return std::nullopt;
    std::ifstream stat("/proc/" + std::to_string(*node_pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return std::nullopt;
    // "pid (comm) S ...": comm may hold spaces and ')', so take the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size()) return std::nullopt;
    return line[close + 2];
  }

 private:
  Node* find(const std::string& name) {
    auto it = nodes_.find(name);
    return it == nodes_.end() ? nullptr : it->second.get();
  }
  const Node* find(const std::string& name) const {
    auto it = nodes_.find(name);
    return it == nodes_.end() ? nullptr : it->second.get();
  }

  void on_task_reaped(std::uint64_t id, const boost::system::error_code& ec, int status) {
    auto it = tasks_.find(id);
    if (it == tasks_.end() || ec == asio::error::operation_aborted) return;
    std::unique_ptr<Task> task = std::move(it->second);
    tasks_.erase(it);
    task->deadline_timer.cancel();
    TaskResult result;
    result.timed_out = task->timed_out;
    if (ec) result.error = "wait: " + ec.message();
    if (!ec && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (!ec && WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    // Any helper it left in its group dies with it (the group only: the pid is reaped).
    ::kill(-task->pid, SIGKILL);
    task->process->detach();
    task->done(result);
  }

  // Launches node.spec and watches the process; posts the started or start_failed event.
  Status launch_node(Node& node) {
    auto process = launch(io_.get_executor(), node.spec);
    if (!process) {
      Status status = process.status().with_context("supervisor.start: node " + node.spec.name);
      ProcessEvent event = make_event(ProcessEvent::Kind::start_failed, node);
      event.error = status.message();
      post_event(std::move(event));
      return status;
    }
    node.process = std::move(*process);
    node.pid = node.process->id();
    node.running = true;
    node.exit_expected = false;
    node.stopping = false;
    const std::uint64_t generation = ++node.generation;
    post_event(make_event(ProcessEvent::Kind::started, node));
    node.process->handle().async_wait(
        [weak = weak_from_this(), name = node.spec.name, generation](
            const boost::system::error_code& ec, int status) {
          auto self = weak.lock();
          if (!self) return;
          self->on_reaped(name, generation, ec, status);
        });
    return Status::ok();
  }

  // The async_wait of a node's process completed.
  void on_reaped(const std::string& name, std::uint64_t generation,
                 const boost::system::error_code& ec, int status) {
    Node* node = find(name);
    // An older process of the node, or one kill_all() already reaped and reported.
    if (!node || node->generation != generation || !node->running) return;
    if (ec == asio::error::operation_aborted) return;
    // Any other error (ECHILD: reaped elsewhere) leaves the status unknown; the exit is still real.
    queue_.push_back(finish(*node, ec ? std::nullopt : std::optional<int>(status)));
    drain();
  }

  // The node's process was reaped with `status` (unknown when nullopt): records it as not running,
  // releases the process and returns the exited event.
  ProcessEvent finish(Node& node, std::optional<int> status) {
    ProcessEvent event = make_event(ProcessEvent::Kind::exited, node);
    if (status && WIFEXITED(*status)) event.exit_code = WEXITSTATUS(*status);
    if (status && WIFSIGNALED(*status)) event.signal = WTERMSIG(*status);
    event.expected = node.exit_expected;
    node.running = false;
    node.stopping = false;
    node.exit_expected = false;
    node.pid = 0;
    node.stop_timer.cancel();
    // Reaped: detach first, so that ~basic_process cannot SIGKILL a new process with the same pid.
    node.process->detach();
    node.process.reset();
    return event;
  }

  void cancel_restart(Node& node) {
    node.restart_pending = false;
    node.restart_timer.cancel();
  }

  void on_restart_due(const std::string& name, std::uint64_t token) {
    Node* node = find(name);
    if (!node || !node->restart_pending || node->restart_token != token) return;
    node->restart_pending = false;
    if (node->running) return;  // started explicitly meanwhile (start() cancels, but be safe)
    // The outcome is reported by the started or start_failed event.
    (void)launch_node(*node);
  }

  void on_grace_over(const std::string& name, std::uint64_t generation) {
    Node* node = find(name);
    if (!node || node->generation != generation || !node->running || !node->stopping) return;
    kill_group(node->pid, SIGKILL);  // ESRCH only if it is exiting anyway; the wait reports it
  }

  // Events go through one queue so that they reach on_event_ in the order they happened, even when
  // kill_all() delivers synchronously while a started event is still posted.
  void post_event(ProcessEvent event) {
    queue_.push_back(std::move(event));
    asio::post(io_, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->drain();
    });
  }

  void drain() {
    if (draining_) return;  // on_event_ called back into us; the outer loop delivers the rest
    draining_ = true;
    while (!queue_.empty()) {
      ProcessEvent event = std::move(queue_.front());
      queue_.pop_front();
      if (on_event_) on_event_(event);
    }
    draining_ = false;
  }

  asio::io_context& io_;
  std::function<void(const ProcessEvent&)> on_event_;
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  std::deque<ProcessEvent> queue_;
  bool draining_ = false;
  std::map<std::uint64_t, std::unique_ptr<Task>> tasks_;
  std::uint64_t task_counter_ = 0;
};

Supervisor::Supervisor(boost::asio::io_context& io,
                       std::function<void(const ProcessEvent&)> on_event)
    : impl_(std::make_shared<Impl>(io, std::move(on_event))) {}

Supervisor::~Supervisor() = default;

Status Supervisor::start(const ProcessSpec& spec) { return impl_->start(spec); }

Status Supervisor::signal(const std::string& name, int sig, bool expect_exit) {
  return impl_->signal(name, sig, expect_exit);
}

Status Supervisor::restart_after(const std::string& name, std::chrono::milliseconds delay) {
  return impl_->restart_after(name, delay);
}

Status Supervisor::stop(const std::string& name, std::chrono::milliseconds grace) {
  return impl_->stop(name, grace);
}

void Supervisor::kill_all() {
  impl_->kill_all_nodes(/*deliver=*/true);
  impl_->kill_all_tasks();
}

void Supervisor::run_task(const ProcessSpec& spec, std::chrono::milliseconds deadline,
                          std::function<void(const TaskResult&)> done) {
  impl_->run_task(spec, deadline, std::move(done));
}

std::optional<int> Supervisor::pid(const std::string& name) const { return impl_->pid(name); }

bool Supervisor::running(const std::string& name) const { return impl_->running(name); }

bool Supervisor::owns(int pid) const { return impl_->owns(pid); }

std::optional<char> Supervisor::state(const std::string& name) const {
  return impl_->state(name);
}

}  // namespace firedrill
