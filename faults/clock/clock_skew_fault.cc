// clock.skew; see clock_skew_fault.h.
//
// The witness runs synchronously on the io thread: it is a short-lived `date` (a few ms), bounded
// by witness_ms_max and the step deadline.
#include "clock/clock_skew_fault.h"

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

#include "clock/clock_control.h"
#include "clock/clock_control_file.h"
#include "clock/shim_presence.h"
#include "supervision/supervisor.h"

namespace firedrill {
namespace {

using Clock = std::chrono::steady_clock;

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

// Runs the witness with `environment` and returns its clock's offset from ours, in ms: what it
// printed minus the middle of [spawn, exit] on our CLOCK_REALTIME.
Result<int64_t> witness_offset_ms(const std::map<std::string, std::string>& environment,
                                  std::chrono::milliseconds timeout) {
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

  const int64_t spawned_ns = realtime_ns();
  const auto deadline = Clock::now() + timeout;
  pid_t pid = 0;
  const int spawn_error = posix_spawn(&pid, witness_program, &actions, &attributes, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(pipe_fds[1]);
  if (spawn_error != 0) {
    close(pipe_fds[0]);
    return Status::error(std::string("spawn ") + witness_program + ": " + errno_text(spawn_error));
  }

  std::string output;
  bool timed_out = false;
  while (output.size() < witness_output_bytes_max) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd readable{pipe_fds[0], POLLIN, 0};
    const int ready = poll(&readable, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = true;
      break;
    }
    char buffer[witness_output_bytes_max];
    const ssize_t got = read(pipe_fds[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    output.append(buffer, static_cast<std::size_t>(got));
  }
  close(pipe_fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  const int64_t exited_ns = realtime_ns();
  const std::string which = std::string(witness_program) + " (pid " + std::to_string(pid) + ")";
  if (timed_out) return Status::error(which + ": no answer within " + std::to_string(timeout.count()) + " ms");
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    return Status::error(which + ": failed (wait status " + std::to_string(wait_status) + ")");
  }
  int64_t witness_ns = 0;
  const auto parsed = std::from_chars(output.data(), output.data() + output.size(), witness_ns);
  if (parsed.ec != std::errc() || (parsed.ptr != output.data() + output.size() && *parsed.ptr != '\n')) {
    return Status::error(which + ": unexpected output \"" + output + "\"");
  }
  const int64_t middle_ns = spawned_ns + (exited_ns - spawned_ns) / 2;
  return static_cast<int64_t>(std::llround(static_cast<double>(witness_ns - middle_ns) / 1e6));
}

// Calls `step` now and then every retry_us until it returns true (it has finished the
// fault step and called its FaultDone), or calls `expired` once `deadline` has passed.
void retry_until(boost::asio::io_context& io, Clock::time_point deadline, std::function<bool()> step,
                 std::function<void()> expired) {
  if (step()) return;
  if (Clock::now() >= deadline) return expired();
  auto timer = std::make_shared<boost::asio::steady_timer>(io, retry_us);
  timer->async_wait([&io, deadline, step = std::move(step), expired = std::move(expired),
                     timer](const boost::system::error_code&) mutable {
    retry_until(io, deadline, std::move(step), std::move(expired));
  });
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

class ClockSkew : public Fault {
 public:
  ClockSkew(const FaultSpec& spec, std::string node, FaultContext& context)
      : node_(std::move(node)), context_(context) {
    if (auto it = spec.parameters.find("offset"); it != spec.parameters.end()) {
      offset_ = std::get<Milliseconds>(it->second);
    }
    if (auto it = spec.parameters.find("rate"); it != spec.parameters.end()) {
      rate_ = std::get<double>(it->second);
      assert(*rate_ > 0);
    }
  }
  const std::string& kind() const override { return kind_; }
  const std::string& node() const override { return node_; }

  void apply(FaultDone done) override {
    set_clock("clock.skew: node " + node_, offset_, rate_.value_or(1.0), false, std::move(done));
  }

  void revert(FaultDone done) override {
    set_clock("clock.skew revert: node " + node_, Milliseconds(0), 1.0, true, std::move(done));
  }

 private:
  // Sets the node's page to (offset, rate) and waits until the node's own read or a witness
  // shows it; an apply first checks that every process of the node loads the shim. When `reverting`, a node without a
  // page or a run directory already gone is a success.
  void set_clock(const std::string& what, Milliseconds offset, double rate, bool reverting, FaultDone done) {
    boost::json::object evidence{{"node", node_}, {"requested_offset_ms", offset.count()}, {"rate", rate}};
    const std::string page = context_.clock_control ? context_.clock_control(node_) : std::string();
    if (page.empty()) {
      if (reverting) return done(Status::ok(), evidence);
      return done(Status::error(what + ": " + node_ + " runs without the clock shim: no clock fault of the plan "
                                "could reach it (a dynamic role's held_by does not name it)"),
                  evidence);
    }
    evidence["page"] = page;
    const std::string directory = page.substr(0, page.find_last_of('/') + 1);
    if (reverting && !directory.empty() && access(directory.c_str(), F_OK) != 0 && errno == ENOENT) {
      evidence["page"] = "gone";  // the run directory is gone, and the node with it
      return done(Status::ok(), evidence);
    }
    if (!reverting) {
      auto pid = context_.supervisor.pid(node_);
      if (!pid) return done(Status::error(what + ": " + node_ + " is not running"), evidence);
      auto presence = shim_presence(*pid, context_.clock_shim);
      if (!presence) return done(presence.status().with_context(what), evidence);
      evidence["processes"] = presence_evidence(*presence);
      if (Status loaded = require_shim_everywhere(*presence); !loaded) {
        return done(loaded.with_context(what + ": " + node_), evidence);
      }
    }
    auto control = ClockControlFile::open(page);
    if (!control) return done(control.status().with_context(what), evidence);
    auto shared_control = std::make_shared<ClockControlFile>(std::move(*control));
    if (reverting) {
      // Whether the node itself read the skewed clock while it was set: the evidence, for an idle
      // node whose apply a witness verified, that the skew reached the node's own process.
      const ClockControlFile::Seen seen = shared_control->seen();
      if (seen.generation == shared_control->generation() && seen.generation > 0) {
        evidence["node_read_while_skewed"] = {
            {"pid", seen.pid}, {"observed_offset_ms", std::llround((seen.fake_ns - seen.real_ns) / 1e6)}};
      } else {
        evidence["node_read_while_skewed"] = "none (the node did not read its wall clock while skewed)";
      }
    }
    const Status written = reverting ? shared_control->reset()
                                     : shared_control->set(offset.count() * 1'000'000, rate);
    if (!written) return done(written.with_context(what), evidence);
    const uint64_t generation = shared_control->generation();
    evidence["generation"] = generation;
    // A fresh witness has run for a few ms, so the rate barely moves its reading; the margin
    // covers a witness that took its whole allowance.
    const int64_t allowed_ms = tolerance_ms + static_cast<int64_t>(std::abs(rate - 1.0) * witness_ms_max.count());
    const auto written_at = Clock::now();
    const auto deadline = written_at + context_.step_deadline;
    auto shared_done = std::make_shared<FaultDone>(std::move(done));
    auto shared_evidence = std::make_shared<boost::json::object>(std::move(evidence));
    const auto environment = witness_environment(context_.clock_shim, page);
    // Verified by the node's own read of the new setting (the shim's acknowledgement) when one
    // comes within node_read_ms_max; else by a witness reading through the same shim and page.
    // A revert is always witnessed: an idle node need not read its clock for it to be reset.
    retry_until(
        context_.io, deadline,
        [what, deadline, written_at, environment, offset, allowed_ms, reverting, generation, shared_control,
         shared_done, shared_evidence] {
          auto& found = *shared_evidence;
          const ClockControlFile::Seen seen = shared_control->seen();
          if (!reverting && seen.generation >= generation) {
            const auto observed = static_cast<int64_t>(std::llround((seen.fake_ns - seen.real_ns) / 1e6));
            found["node_read"] = {{"pid", seen.pid}, {"observed_offset_ms", observed}};
            if (std::abs(observed - offset.count()) <= allowed_ms) {
              found["observed_offset_ms"] = observed;
              found["verified_by"] = "the node's own read";
              (*shared_done)(Status::ok(), found);
              return true;
            }
          }
          if (!reverting && Clock::now() - written_at < node_read_ms_max) return false;
          const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
          auto observed = witness_offset_ms(environment, std::clamp(left, witness_ms_min, witness_ms_max));
          if (!observed) {
            (*shared_done)(observed.status().with_context(what + ": witness"), found);
            return true;
          }
          found["observed_offset_ms"] = *observed;
          if (std::abs(*observed - offset.count()) > allowed_ms) return false;
          found["verified_by"] = "a witness through the shim";
          if (!reverting && !found.contains("node_read")) {
            found["node_read"] = "none yet (the node had not read its wall clock)";
          }
          (*shared_done)(Status::ok(), found);
          return true;
        },
        [what, allowed_ms, shared_done, shared_evidence] {
          (*shared_done)(Status::error(what + ": neither the node nor the witness read the requested offset (±" +
                                       std::to_string(allowed_ms) + " ms) before the step deadline"),
                         *shared_evidence);
        });
  }

  const std::string kind_ = "clock.skew";
  std::string node_;
  Milliseconds offset_{0};
  std::optional<double> rate_;
  FaultContext& context_;
};

}  // namespace

std::unique_ptr<Fault> make_clock_skew(const FaultSpec& spec, const std::string& node,
                                       FaultContext& context) {
  return std::make_unique<ClockSkew>(spec, node, context);
}

}  // namespace firedrill
