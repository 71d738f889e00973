// A moved clock (clock.skew): one node's wall clock moves through its clock control page
// (DESIGN.md §2 "clock skew"; harness/lab/clock/README.md). Only the nodes a clock fault of the drill can reach run with
// the clock shim preloaded (Plan::clock_shim_nodes); the others run with no preload at all.
//
// Only wall-clock time moves (CLOCK_REALTIME and what reads it: time(), gettimeofday()); the
// monotonic clocks stay real, so timeouts and timers inside the node behave, and the controller's
// timeline never reads a node's clock.
//
// Privileges: reading the node's /proc/PID/maps (its parent or the lab's PID 1 can) and writing
// the run directory's clock/ folder (the controller created it).
//
// apply:  in effect only when (1) every process of the node's tree has the shim mapped
//         (/proc/PID/maps), else refused with the process that does not ("ledger-1: its process
//         (pid 42, server) does not load the clock shim ..."), and (2) after the page is set to
//         the offset and rate, a read through the shim shows the real time plus the offset within
//         ±500 ms (wider when the rate is not 1): the node's own read (the shim acknowledges it in
//         the page) when one comes within node_read_ms_max, as it does for a node serving
//         requests; else a witness `date +%s%N` reading through the same shim and page (an idle
//         node). Evidence: the requested and observed offsets in ms, the rate, the page, each
//         process checked, `verified_by`, and the node's own read (pid, offset) or "none yet".
// revert: the page is set to the identity (no offset, normal speed), verified by the witness.
//         Evidence: whether a process of the node read the skewed clock while it was set
//         (`node_read_while_skewed`: pid and offset it saw), from the shim's acknowledgement.
//         Idempotent; a run directory already gone is a success.
//
// The rate counts from the apply: the node's clock is `offset` ahead at that instant and then
// runs `rate` times as fast; sleeps and timeouts are not shortened.
//
// The witness runs synchronously on the io thread: it is a short-lived `date` (a few ms), bounded
// by witness_ms_max and the step deadline.
#include "lab/changes/lab_change.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <vector>

#include "lab/clock/clock_control.h"
#include "lab/clock/clock_control_file.h"
#include "lab/clock/shim_presence.h"
#include "place/retry_until.h"
#include "supervision/supervisor.h"

namespace firedrill {
namespace {

using Clock = std::chrono::steady_clock;
using Milliseconds = std::chrono::milliseconds;

// The witness's program; it prints the (skewed) wall-clock time in ns since the epoch.
constexpr const char* witness_program = "/bin/date";
// The longest a witness may take; it is killed past this. A witness started just before the step
// deadline still gets witness_ms_min (the step may overrun its deadline by that much).
constexpr std::chrono::milliseconds witness_ms_max(1'000);
constexpr std::chrono::milliseconds witness_ms_min(100);
// Pause between two looks at the page's acknowledgement, or two witnesses.
constexpr std::chrono::microseconds retry_us(200);
// How far the witness's reading may be from the requested offset at rate 1.
constexpr int64_t tolerance_ms = 500;
// How long an apply waits for a process of the node itself to read the new setting before it
// asks a witness instead (a node serving requests reads its clock within microseconds; an idle
// one may not read it at all).
constexpr std::chrono::milliseconds node_read_ms_max(5);
// The most output read from the witness ("1700000000123456789\n" is 20 bytes).
constexpr std::size_t witness_output_bytes_max = 64;

std::string errno_text(int error) { return std::strerror(error); }

int64_t realtime_ns() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// A started witness: its pid, the read end of its stdout, and when it was spawned.
struct Witness {
  pid_t pid = 0;
  int output_fd = -1;
  int64_t spawned_ns = 0;
};

// Spawns `date +%s%N` with `environment` (and nothing else), its stdout into a pipe.
Result<Witness> spawn_witness(const std::map<std::string, std::string>& environment) {
  std::vector<std::string> env_strings;
  for (const auto& [key, value] : environment) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  char format[] = "+%s%N";
  char program[] = "date";
  char* argv[] = {program, format, nullptr};
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::error("pipe2: " + errno_text(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  Witness witness;
  witness.output_fd = pipe_fds[0];
  witness.spawned_ns = realtime_ns();
  const int spawn_error = posix_spawn(&witness.pid, witness_program, &actions, &attributes, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(pipe_fds[1]);
  if (spawn_error != 0) {
    close(pipe_fds[0]);
    return Status::error(std::string("spawn ") + witness_program + ": " + errno_text(spawn_error));
  }
  return witness;
}

// Reads what the witness prints until it closes its stdout or `deadline` passes; then closes
// the pipe. Sets `timed_out` when the deadline passed first.
std::string read_witness_output(int fd, Clock::time_point deadline, bool& timed_out) {
  std::string output;
  timed_out = false;
  while (output.size() < witness_output_bytes_max) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd readable{fd, POLLIN, 0};
    const int ready = poll(&readable, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = true;
      break;
    }
    char buffer[witness_output_bytes_max];
    const ssize_t got = read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    output.append(buffer, static_cast<std::size_t>(got));
  }
  close(fd);
  return output;
}

// Runs the witness with `environment` and returns its clock's offset from ours, in ms: what it
// printed minus the middle of [spawn, exit] on our CLOCK_REALTIME.
Result<int64_t> witness_offset_ms(const std::map<std::string, std::string>& environment,
                                  std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Result<Witness> witness = spawn_witness(environment);
  if (!witness) return witness.status();
  bool timed_out = false;
  const std::string output = read_witness_output(witness->output_fd, deadline, timed_out);
  if (timed_out) kill(witness->pid, SIGKILL);
  int wait_status = 0;
  while (waitpid(witness->pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  const int64_t exited_ns = realtime_ns();
  const std::string which = std::string(witness_program) + " (pid " + std::to_string(witness->pid) + ")";
  if (timed_out) return Status::error(which + ": no answer within " + std::to_string(timeout.count()) + " ms");
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    return Status::error(which + ": failed (wait status " + std::to_string(wait_status) + ")");
  }
  int64_t witness_ns = 0;
  const auto parsed = std::from_chars(output.data(), output.data() + output.size(), witness_ns);
  if (parsed.ec != std::errc() || (parsed.ptr != output.data() + output.size() && *parsed.ptr != '\n')) {
    return Status::error(which + ": unexpected output \"" + output + "\"");
  }
  const int64_t middle_ns = witness->spawned_ns + (exited_ns - witness->spawned_ns) / 2;
  return static_cast<int64_t>(std::llround(static_cast<double>(witness_ns - middle_ns) / 1e6));
}

// The witness's environment: the shim and the node's page, marked as a witness so that its
// read is not taken for the node's own.
std::map<std::string, std::string> witness_environment(const std::string& shim, const std::string& page) {
  return {{"PATH", "/usr/bin:/bin"}, {"LD_PRELOAD", shim}, {clock_control_env, page},
          {clock_witness_env, "1"}};
}

boost::json::array presence_evidence(const std::vector<ShimPresence>& presence) {
  boost::json::array out;
  for (const ShimPresence& p : presence) {
    out.push_back({{"pid", p.pid}, {"program", p.program}, {"shim_loaded", p.loaded}});
  }
  return out;
}

// One write of a node's page, waiting to be seen: shared by the looks of retry_until.
struct ClockWait {
  std::string what;
  Milliseconds offset{0};
  int64_t allowed_ms = 0;
  bool reverting = false;
  uint64_t generation = 0;
  Clock::time_point written_at;
  Clock::time_point deadline;
  std::map<std::string, std::string> witness_environment;
  std::shared_ptr<ClockControlFile> control;
  PlaceDone done;
  boost::json::object evidence;
};

// Reports ok with how it was verified; true.
bool verified(ClockWait& wait, int64_t observed_ms, const char* by) {
  wait.evidence["observed_offset_ms"] = observed_ms;
  wait.evidence["verified_by"] = by;
  if (!wait.reverting && !wait.evidence.contains("node_read")) {
    wait.evidence["node_read"] = "none yet (the node had not read its wall clock)";
  }
  wait.done(Status::ok(), wait.evidence);
  return true;
}

// One look: the node's own read of the new setting (the shim's acknowledgement) when one came
// within node_read_ms_max, else a witness reading through the same shim and page. A revert is
// always witnessed: an idle node need not read its clock for it to be reset. True once reported.
bool look(ClockWait& wait) {
  const ClockControlFile::Seen seen = wait.control->seen();
  if (!wait.reverting && seen.generation >= wait.generation) {
    const auto observed = static_cast<int64_t>(std::llround((seen.fake_ns - seen.real_ns) / 1e6));
    wait.evidence["node_read"] = {{"pid", seen.pid}, {"observed_offset_ms", observed}};
    if (std::abs(observed - wait.offset.count()) <= wait.allowed_ms) {
      return verified(wait, observed, "the node's own read");
    }
  }
  if (!wait.reverting && Clock::now() - wait.written_at < node_read_ms_max) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(wait.deadline - Clock::now());
  auto observed = witness_offset_ms(wait.witness_environment, std::clamp(left, witness_ms_min, witness_ms_max));
  if (!observed) {
    wait.done(observed.status().with_context(wait.what + ": witness"), wait.evidence);
    return true;
  }
  wait.evidence["observed_offset_ms"] = *observed;
  if (std::abs(*observed - wait.offset.count()) > wait.allowed_ms) return false;
  return verified(wait, *observed, "a witness through the shim");
}

// Whether the node itself read the skewed clock while it was set: the evidence, for an idle node
// whose apply a witness verified, that the skew reached the node's own process.
boost::json::value node_read_while_skewed(const ClockControlFile& control) {
  const ClockControlFile::Seen seen = control.seen();
  if (seen.generation == control.generation() && seen.generation > 0) {
    return {{"pid", seen.pid}, {"observed_offset_ms", std::llround((seen.fake_ns - seen.real_ns) / 1e6)}};
  }
  return "none (the node did not read its wall clock while skewed)";
}

// Whether the page's directory (the run directory's clock/) is gone, and the node with it.
bool page_gone(const std::string& page) {
  const std::string directory = page.substr(0, page.find_last_of('/') + 1);
  return !directory.empty() && access(directory.c_str(), F_OK) != 0 && errno == ENOENT;
}

class ClockMove : public LabChange {
 public:
  ClockMove(LabContext& context, std::string node, const ClockSetting& setting)
      : node_(std::move(node)), offset_(setting.offset), rate_(setting.rate), context_(context) {
    assert(rate_ > 0);
  }

  void apply(PlaceDone done) override {
    set_clock("clock.skew: node " + node_, offset_, rate_, false, std::move(done));
  }

  void revert(PlaceDone done) override {
    set_clock("clock.skew revert: node " + node_, Milliseconds(0), 1.0, true, std::move(done));
  }

 private:
  // Checks that every process of the node loads the shim; records each in `evidence`.
  Status check_shim_loaded(const std::string& what, boost::json::object& evidence) const {
    auto pid = context_.supervisor.pid(node_);
    if (!pid) return Status::error(what + ": " + node_ + " is not running");
    auto presence = shim_presence(*pid, context_.clock_shim);
    if (!presence) return presence.status().with_context(what);
    evidence["processes"] = presence_evidence(*presence);
    return require_shim_everywhere(*presence).with_context(what + ": " + node_);
  }

  // Sets the node's page to (offset, rate) and waits until the node's own read or a witness
  // shows it; an apply first checks that every process of the node loads the shim. When
  // `reverting`, a node without a page or a run directory already gone is a success.
  void set_clock(const std::string& what, Milliseconds offset, double rate, bool reverting, PlaceDone done) {
    boost::json::object evidence{{"node", node_}, {"requested_offset_ms", offset.count()}, {"rate", rate}};
    const std::string page = context_.clock_control ? context_.clock_control(node_) : std::string();
    if (page.empty()) {
      if (reverting) return done(Status::ok(), evidence);
      return done(Status::error(what + ": " + node_ + " runs without the clock shim: no clock fault of the plan "
                                "could reach it (a dynamic role's held_by does not name it)"),
                  evidence);
    }
    evidence["page"] = page;
    if (reverting && page_gone(page)) {
      evidence["page"] = "gone";
      return done(Status::ok(), evidence);
    }
    if (!reverting) {
      if (Status loaded = check_shim_loaded(what, evidence); !loaded) return done(loaded, evidence);
    }
    auto control = ClockControlFile::open(page);
    if (!control) return done(control.status().with_context(what), evidence);
    auto shared_control = std::make_shared<ClockControlFile>(std::move(*control));
    if (reverting) evidence["node_read_while_skewed"] = node_read_while_skewed(*shared_control);
    const Status written = reverting ? shared_control->reset()
                                     : shared_control->set(offset.count() * 1'000'000, rate);
    if (!written) return done(written.with_context(what), evidence);
    evidence["generation"] = shared_control->generation();
    wait_for_read(what, offset, rate, reverting, shared_control, std::move(evidence), std::move(done));
  }

  void wait_for_read(const std::string& what, Milliseconds offset, double rate, bool reverting,
                     std::shared_ptr<ClockControlFile> control, boost::json::object evidence, PlaceDone done) {
    auto wait = std::make_shared<ClockWait>();
    wait->what = what;
    wait->offset = offset;
    // A fresh witness has run for a few ms, so the rate barely moves its reading; the margin
    // covers a witness that took its whole allowance.
    wait->allowed_ms = tolerance_ms + static_cast<int64_t>(std::abs(rate - 1.0) * witness_ms_max.count());
    wait->reverting = reverting;
    wait->generation = control->generation();
    wait->written_at = Clock::now();
    wait->deadline = wait->written_at + context_.step_deadline;
    wait->witness_environment = witness_environment(context_.clock_shim, control->path());
    wait->control = std::move(control);
    wait->done = std::move(done);
    wait->evidence = std::move(evidence);
    retry_until(
        context_.io, wait->deadline, retry_us, [wait] { return look(*wait); },
        [wait] {
          wait->done(Status::error(wait->what + ": neither the node nor the witness read the requested offset (±" +
                                   std::to_string(wait->allowed_ms) + " ms) before the step deadline"),
                     wait->evidence);
        });
  }

  std::string node_;
  Milliseconds offset_{0};
  double rate_ = 1.0;
  LabContext& context_;
};

}  // namespace

std::unique_ptr<LabChange> make_clock_move(LabContext& context, std::string node, const ClockSetting& setting) {
  return std::make_unique<ClockMove>(context, std::move(node), setting);
}

}  // namespace firedrill
