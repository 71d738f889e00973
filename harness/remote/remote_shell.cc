// One SSH session running a shell on a host; see remote_shell.h.
#include "remote/remote_shell.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/asio/write.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
#include <deque>
#include <random>

#include "core/limits.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process::v2;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A marker no command's output contains by chance: 128 random bits in hex.
std::string random_token() {
  std::random_device random;
  std::string token = "firedrill-";
  for (int i = 0; i < 4; ++i) {
    char part[9];
    std::snprintf(part, sizeof part, "%08x", random());
    token += part;
  }
  return token;
}


// The ssh client on the controller's PATH; "" when there is none.
std::string find_ssh() {
  const char* path = std::getenv("PATH");
  std::string dirs = path && *path ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    const auto end = std::min(dirs.find(':', start), dirs.size());
    const std::string candidate = dirs.substr(start, end - start) + "/ssh";
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

}  // namespace

std::string explain_ssh_failure(const std::string& stderr_text, const SshEndpoint& endpoint,
                                const SshSettings& options) {
  const auto has = [&](const char* what) { return stderr_text.find(what) != std::string::npos; };
  std::string said = stderr_text;
  while (!said.empty() && (said.back() == '\n' || said.back() == '\r')) said.pop_back();
  if (!said.empty()) said = " (ssh: " + said + ")";
  if (has("REMOTE HOST IDENTIFICATION HAS CHANGED") || has("Host key verification failed")) {
    if (has("No ") && has("host key is known")) {
      return "the host key of " + endpoint.address + " is not in " + options.known_hosts + said;
    }
    return "the host key of " + endpoint.address + " does not match " + options.known_hosts + said;
  }
  if (has("Permission denied")) {
    return "the host refused the key " + (options.identity_file.empty() ? std::string("offered") : options.identity_file) +
           " for user " + endpoint.user + said;
  }
  if (has("Connection refused")) return "nothing listens on port " + std::to_string(endpoint.port) + said;
  if (has("timed out") || has("No route to host") || has("Network is unreachable")) {
    return "the host cannot be reached" + said;
  }
  if (has("Identity file") || has("no such identity")) return "the identity file cannot be read" + said;
  if (has("Timeout, server") || has("not responding")) return "the host stopped answering" + said;
  return said.empty() ? std::string("the SSH connection ended") : "the SSH connection ended" + said;
}

struct RemoteShell::Impl : std::enable_shared_from_this<Impl> {
  struct Command {
    std::string script;
    milliseconds timeout;
    Done done;
    bool direct = false;
  };
  enum class State { idle, connecting, open, ended };

  Impl(asio::io_context& context, const std::string& name, SshEndpoint where, SshSettings how)
      : io(context), endpoint(std::move(where)), options(std::move(how)), in(context), out(context), err(context),
        guard(context), token(random_token()) {
    label = name + " (" + endpoint.text() + ")";
  }

  void connect(std::function<void(Status)> done) {
    if (state != State::idle) {
      asio::post(io, [done] { done(Status::error("already connected")); });
      return;
    }
    const std::string ssh = find_ssh();
    if (ssh.empty()) {
      asio::post(io, [done, l = label] { done(Status::error(l + ": ssh is not installed (openssh-client)")); });
      return;
    }
    std::vector<std::string> argv = ssh_argv(endpoint, options, "exec /bin/sh");
    const std::vector<std::string> args(argv.begin() + 1, argv.end());
    try {
      process = std::make_unique<bp::process>(io.get_executor(), bp::filesystem::path(ssh), args, bp::process_stdio{in, out, err});
    } catch (const std::exception& e) {
      asio::post(io, [done, l = label, what = std::string(e.what())] { done(Status::error(l + ": ssh: " + what)); });
      return;
    }
    state = State::connecting;
    read_out();
    read_err();
    // The hello: the first answer proves the key, the host key and the shell.
    queue.push_front(Command{"echo ready", options.connect_timeout, [self = shared_from_this(), done](Result<RemoteResult> r) {
                               if (r && r->exit_code == 0) {
                                 self->state = State::open;
                                 return done(Status::ok());
                               }
                               if (!r) return done(r.status());
                               // A session whose shell does not answer is no session: ssh goes too.
                               const std::string why = "the shell did not answer (" + r->output + ")";
                               self->end(why, false);
                               done(Status::error(self->label + ": " + why));
                             }});
    send_next();
  }

  void run(std::string script, milliseconds timeout, Done done, bool direct) {
    if (state == State::ended || state == State::idle) {
      const std::string why = state == State::idle ? "not connected" : end_reason;
      asio::post(io, [done = std::move(done), why, l = label] { done(Status::error(l + ": " + why)); });
      return;
    }
    queue.push_back(Command{std::move(script), timeout, std::move(done), direct});
    if (!in_flight) send_next();
  }

  void send_next() {
    if (in_flight || queue.empty() || state == State::ended) return;
    in_flight = true;
    const Command& c = queue.front();
    // A direct script runs in the session's shell itself: no process start beyond its own
    // commands (a kill costs the round trip alone), but also no timeout and no shield from `exit`.
    const std::string body = c.direct ? "{ " + c.script + "\n} </dev/null 2>&1"
                                      : "timeout -s KILL " + shell_seconds(c.timeout) + " sh -c " + shell_quote(c.script) +
                                            " </dev/null 2>&1";
    wire = body + "; printf '\\n%s %d\\n' " + token + " \"$?\"\n";
    sent_at = Clock::now();
    // Beyond the command's own timeout, the host has alive_timeout to say anything at all.
    guard.expires_after(c.timeout + options.alive_timeout + kRemoteAnswerGraceMs);
    guard.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec) return;
      self->end("no answer within " + std::to_string((self->queue.empty() ? milliseconds(0) : self->queue.front().timeout).count() +
                                                     self->options.alive_timeout.count() + kRemoteAnswerGraceMs.count()) +
                " ms");
    });
    asio::async_write(in, asio::buffer(wire), [weak = weak_from_this()](const boost::system::error_code& ec, std::size_t) {
      auto self = weak.lock();
      if (self && ec && ec != asio::error::operation_aborted) self->end_after_stderr();
    });
  }

  void read_out() {
    out.async_read_some(asio::buffer(out_chunk), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
      if (ec) {
        if (ec != asio::error::operation_aborted) self->end_after_stderr();
        return;
      }
      self->out_text.append(self->out_chunk.data(), n);
      self->take_results();
      if (self->state != State::ended) self->read_out();
    });
  }

  void read_err() {
    err.async_read_some(asio::buffer(err_chunk), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
      if (ec) {
        self->err_done = true;
        if (self->ending_soon) self->end(explain_ssh_failure(self->err_text, self->endpoint, self->options));
        return;
      }
      self->err_text.append(self->err_chunk.data(), n);
      if (self->err_text.size() > kRemoteStderrBytesMax) self->err_text.erase(0, self->err_text.size() - kRemoteStderrBytesMax);
      self->read_err();
    });
  }

  // The output holds one or more framed results: hand each to its command.
  void take_results() {
    const std::string marker = "\n" + token + " ";
    for (;;) {
      const auto at = out_text.find(marker);
      if (at == std::string::npos) {
        // Keep a runaway output bounded (its tail holds the marker when it comes).
        if (out_text.size() > kRemoteOutputBytesMax) out_text.erase(0, out_text.size() - kRemoteOutputBytesMax);
        return;
      }
      const auto line_end = out_text.find('\n', at + marker.size());
      if (line_end == std::string::npos) return;
      RemoteResult r;
      r.exit_code = std::atoi(out_text.c_str() + at + marker.size());
      r.output = out_text.substr(0, at);
      while (!r.output.empty() && r.output.back() == '\n') r.output.pop_back();
      r.round_trip_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - sent_at).count();
      out_text.erase(0, line_end + 1);
      guard.cancel();
      in_flight = false;
      if (queue.empty()) return;
      Command c = std::move(queue.front());
      queue.pop_front();
      c.done(std::move(r));
      send_next();
    }
  }

  // ssh's stdout ended: its stderr says why, once it too has ended.
  void end_after_stderr() {
    if (state == State::ended) return;
    ending_soon = true;
    if (err_done) return end(explain_ssh_failure(err_text, endpoint, options));
    // stderr closes with ssh's exit; do not wait for it longer than a moment.
    guard.expires_after(kRemoteAnswerGraceMs);
    guard.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (auto self = weak.lock(); self && !ec) self->end(explain_ssh_failure(self->err_text, self->endpoint, self->options));
    });
  }

  // The session is over: every command queued fails with `why`.
  void end(const std::string& why, bool tell = true) {
    if (state == State::ended) return;
    const bool was_open = state == State::open;
    state = State::ended;
    end_reason = why;
    guard.cancel();
    boost::system::error_code ignored;
    in.close(ignored);
    out.close(ignored);
    err.close(ignored);
    if (process && process->running(ignored)) {
      ::kill(process->id(), SIGKILL);
      process->wait(ignored);
    }
    std::deque<Command> failed;
    failed.swap(queue);
    if (!tell) return;
    for (auto& c : failed) {
      asio::post(io, [done = std::move(c.done), msg = label + ": " + why] { done(Status::error(msg)); });
    }
    if (was_open && lost) asio::post(io, [lost = lost, why] { lost(why); });
  }

  asio::io_context& io;
  SshEndpoint endpoint;
  SshSettings options;
  std::string label;
  asio::writable_pipe in;
  asio::readable_pipe out, err;
  asio::steady_timer guard;
  std::unique_ptr<bp::process> process;
  const std::string token;
  std::string wire, out_text, err_text, end_reason;
  std::array<char, 16384> out_chunk{}, err_chunk{};
  std::deque<Command> queue;
  bool in_flight = false, err_done = false, ending_soon = false;
  Clock::time_point sent_at;
  State state = State::idle;
  std::function<void(const std::string&)> lost;
};

RemoteShell::RemoteShell(asio::io_context& io, std::string name, SshEndpoint endpoint, SshSettings options)
    : impl_(std::make_shared<Impl>(io, std::move(name), std::move(endpoint), std::move(options))) {}

RemoteShell::~RemoteShell() { impl_->end("closed", false); }

void RemoteShell::connect(std::function<void(Status)> done) { impl_->connect(std::move(done)); }

void RemoteShell::run(std::string script, milliseconds timeout, Done done) {
  impl_->run(std::move(script), timeout, std::move(done), false);
}

void RemoteShell::run_direct(std::string script, Done done) {
  impl_->run(std::move(script), kRemoteStepTimeoutMs, std::move(done), true);
}

void RemoteShell::on_lost(std::function<void(const std::string&)> lost) { impl_->lost = std::move(lost); }

bool RemoteShell::open() const { return impl_->state == Impl::State::open; }

const std::string& RemoteShell::label() const { return impl_->label; }

}  // namespace firedrill
