// The shared parts of the network faults; see network_common.h.
#include "lab/changes/link_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <cerrno>
#include <cstring>

#include "lab/netlink.h"

namespace firedrill::lab_link {

Status in_namespace(const LabNetwork& network, const std::string& member,
                    const std::function<Status()>& fn) {
  if (member == client_member) return fn();
  return network.run_in(member, fn);
}

Status with_netlink(const LabNetwork& network, const std::string& member,
                    const std::function<Status(nl_sock*)>& fn) {
  return in_namespace(network, member, [&fn, &member] {
    Result<netlink::Socket> socket = netlink::connect_route_socket();
    if (!socket) return socket.status().with_context(member);
    return fn(socket->get()).with_context(member);
  });
}

bool is_member(const LabNetwork& network, const std::string& member) {
  if (member == client_member) return true;
  for (const NodeNetwork& node : network.nodes()) {
    if (node.node == member) return true;
  }
  return false;
}

const std::string& address_of(const LabNetwork& network, const std::string& member) {
  if (member == client_member) return network.controller_address();
  return network.node(member).address;
}

std::string own_link_of(const LabNetwork& network, const std::string& member) {
  if (member == client_member) return network.bridge();
  return network.node(member).node_veth;
}

std::string errno_text(int error) {
  const char* name = strerrorname_np(error);
  return std::string(name != nullptr ? name : "E?") + " (" + std::strerror(error) + ")";
}

// --- Step ---

std::shared_ptr<Step> Step::start(LabContext& context, std::string what, PlaceDone done) {
  auto step = std::make_shared<Step>(context, std::move(what), std::move(done));
  step->arm_deadline();
  return step;
}

Step::Step(LabContext& context, std::string what, PlaceDone done)
    : what_(std::move(what)),
      step_deadline_ms_(context.step_deadline),
      deadline_(Clock::now() + context.step_deadline),
      done_(std::move(done)),
      deadline_timer_(context.io),
      retry_timer_(context.io) {}

void Step::arm_deadline() {
  deadline_timer_.expires_at(deadline_);
  deadline_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (error || self->finished_) return;
    std::string why = "not verified before the step deadline (" +
                      std::to_string(self->step_deadline_ms_.count()) + " ms)";
    if (!self->last_observation_.empty()) why += ": last seen: " + self->last_observation_;
    self->fail(why);
  });
}

void Step::finish(Status status) {
  if (finished_) return;
  finished_ = true;
  deadline_timer_.cancel();
  retry_timer_.cancel();
  // Moved out first: `done` may drop the last reference to this step's owner.
  PlaceDone done = std::move(done_);
  done(std::move(status), std::move(evidence_));
}

void Step::retry(std::function<void()> fn) {
  if (finished_) return;
  retry_timer_.expires_after(retry_interval_ms);
  retry_timer_.async_wait(
      [self = shared_from_this(), fn = std::move(fn)](const boost::system::error_code& error) {
        if (error || self->finished_) return;
        fn();
      });
}

// --- probes ---

bool ProbeResult::cut_at_once() const {
  if (outcome != Outcome::failed_at_once) return false;
  return error == EINVAL || error == ENETUNREACH || error == EHOSTUNREACH || error == EPERM ||
         error == EACCES;
}

std::string ProbeResult::text() const {
  switch (outcome) {
    case Outcome::connected:
      return "connected";
    case Outcome::timed_out:
      return "timed out";
    case Outcome::refused:
    case Outcome::failed_at_once:
    case Outcome::failed:
      break;
  }
  return errno_text(error);
}

boost::json::object probe_evidence(const std::string& from, const std::string& to,
                                   const std::string& address, const ProbeResult& result) {
  return {{"from", from},
          {"to", to},
          {"address", address},
          {"port", probe_port},
          {"result", result.text()},
          {"elapsed_us", result.elapsed.count()}};
}

namespace {

ProbeResult::Outcome outcome_of(int error, bool at_once) {
  if (error == 0) return ProbeResult::Outcome::connected;
  if (error == ECONNREFUSED) return ProbeResult::Outcome::refused;
  return at_once ? ProbeResult::Outcome::failed_at_once : ProbeResult::Outcome::failed;
}

// A connect() in progress, waited on with a timeout. Keeps itself alive until it reports.
class ConnectWait : public std::enable_shared_from_this<ConnectWait> {
 public:
  ConnectWait(boost::asio::io_context& io, Clock::time_point started,
              std::function<void(Result<ProbeResult>)> done)
      : socket_(io), timer_(io), started_(started), done_(std::move(done)) {}

  // Takes over `fd` (a socket whose connect() returned EINPROGRESS) and waits.
  void start(int fd, std::chrono::milliseconds timeout) {
    boost::system::error_code error;
    socket_.assign(boost::asio::ip::tcp::v4(), fd, error);
    if (error) {
      close(fd);
      return report(Status::error("probe: assign socket: " + error.message()));
    }
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& timer_error) {
      if (timer_error || self->reported_) return;
      self->report(self->result(ProbeResult::Outcome::timed_out, 0));
    });
    socket_.async_wait(
        boost::asio::ip::tcp::socket::wait_write,
        [self = shared_from_this()](const boost::system::error_code& wait_error) {
          if (self->reported_) return;
          if (wait_error) {
            return self->report(Status::error("probe: wait: " + wait_error.message()));
          }
          int so_error = 0;
          socklen_t length = sizeof(so_error);
          if (getsockopt(self->socket_.native_handle(), SOL_SOCKET, SO_ERROR, &so_error, &length) !=
              0) {
            so_error = errno;
          }
          self->report(self->result(outcome_of(so_error, false), so_error));
        });
  }

 private:
  ProbeResult result(ProbeResult::Outcome outcome, int error) const {
    ProbeResult r;
    r.outcome = outcome;
    r.error = error;
    r.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_);
    return r;
  }

  void report(Result<ProbeResult> outcome) {
    reported_ = true;
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);  // cancels the other wait
    done_(std::move(outcome));
  }

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  Clock::time_point started_;
  std::function<void(Result<ProbeResult>)> done_;
  bool reported_ = false;
};

}  // namespace

void probe_connect(LabContext& context, const std::string& from, const std::string& address,
                   std::chrono::milliseconds timeout,
                   std::function<void(Result<ProbeResult>)> done) {
  const Clock::time_point started = Clock::now();
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(probe_port);
  if (inet_pton(AF_INET, address.c_str(), &peer.sin_addr) != 1) {
    return done(Status::error("probe: " + address + ": not an IPv4 address"));
  }
  int fd = -1;
  int connect_error = 0;
  // Only socket() and connect() run in the namespace; the socket stays there afterwards.
  Status opened = in_namespace(*context.network, from, [&fd, &connect_error, &peer] {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return Status::error(std::string("socket: ") + std::strerror(errno));
    connect_error =
        connect(fd, reinterpret_cast<const sockaddr*>(&peer), sizeof(peer)) == 0 ? 0 : errno;
    return Status::ok();
  });
  if (!opened) {
    if (fd >= 0) close(fd);
    return done(opened.with_context("probe from " + from));
  }
  if (connect_error != EINPROGRESS) {
    close(fd);
    ProbeResult result;
    result.outcome = outcome_of(connect_error, true);
    result.error = connect_error;
    result.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
    return done(result);
  }
  std::make_shared<ConnectWait>(context.io, started, std::move(done))->start(fd, timeout);
}

}  // namespace firedrill::lab_link
