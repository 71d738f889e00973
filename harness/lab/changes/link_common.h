// What the lab's link changes share (internal to harness/lab/changes/): a step with its deadline, the
// connect() probe that verifies reachability, and running netlink work in a member's namespace.
//
// Everything here runs on the controller's io thread except the functions passed to
// in_namespace() / with_netlink(), which may run on a LabNetwork helper thread (and return before
// the caller continues).
#pragma once

#include <netlink/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "lab/changes/lab_change.h"
#include "lab/network.h"

namespace firedrill::lab_link {

using Clock = std::chrono::steady_clock;

// The member name of the controller's own network namespace (where the workload runs).
inline const std::string client_member = "client";
// The TCP port probes connect to (discard). Nothing needs to listen: a refusal proves reachability.
inline constexpr std::uint16_t probe_port = 9;
// How long a verifying connect() probe waits for an answer. Past it the peer counts as cut off
// (an isolation's apply, which therefore takes this long), or the probe is tried again (the
// reverts, until the step deadline).
inline constexpr std::chrono::milliseconds probe_timeout_ms{200};
// Pause between two observations of the same step.
inline constexpr std::chrono::milliseconds retry_interval_ms{1};

// Runs `fn` in the network namespace of `member`: "client" runs it on the calling thread (which is
// in the controller's namespace), a node's on a helper thread inside that node's namespace.
Status in_namespace(const LabNetwork& network, const std::string& member,
                    const std::function<Status()>& fn);

// Like in_namespace, with a fresh NETLINK_ROUTE socket of that namespace.
Status with_netlink(const LabNetwork& network, const std::string& member,
                    const std::function<Status(nl_sock*)>& fn);

// Whether `member` is "client" or a node of the lab.
bool is_member(const LabNetwork& network, const std::string& member);

// The IPv4 address of `member` ("client": the controller's address). `member` must be one.
const std::string& address_of(const LabNetwork& network, const std::string& member);

// The link that carries `member`'s traffic in its own namespace: "eth0" for a node, the bridge
// for "client".
std::string own_link_of(const LabNetwork& network, const std::string& member);

// "EINVAL (Invalid argument)".
std::string errno_text(int error);

// One apply or revert: reports exactly once, either through finish() or, when the context's
// step_deadline passes first, with an error naming the step and the last observation.
class Step : public std::enable_shared_from_this<Step> {
 public:
  // Starts the deadline clock of a step called `what` ("network.partition.apply").
  static std::shared_ptr<Step> start(LabContext& context, std::string what, PlaceDone done);
  Step(LabContext& context, std::string what, PlaceDone done);

  const std::string& what() const { return what_; }
  bool finished() const { return finished_; }
  bool expired() const { return Clock::now() >= deadline_; }
  // The evidence so far; reported with the outcome, whichever it is.
  boost::json::object& evidence() { return evidence_; }
  // What was last seen, for the deadline error ("probe: ECONNREFUSED (Connection refused)").
  void observed(std::string observation) { last_observation_ = std::move(observation); }

  // Reports `status` with the evidence, unless already reported.
  void finish(Status status);
  // Reports "what: why".
  void fail(const std::string& why) { finish(Status::error(what_ + ": " + why)); }
  // Reports `status` with "what" in front when it is an error.
  void finish_with(Status status) { finish(status.with_context(what_)); }
  // Calls `fn` after retry_interval_ms unless the step has been reported meanwhile.
  void retry(std::function<void()> fn);

 private:
  void arm_deadline();

  std::string what_;
  std::chrono::milliseconds step_deadline_ms_;
  Clock::time_point deadline_;
  PlaceDone done_;
  boost::json::object evidence_;
  std::string last_observation_;
  bool finished_ = false;
  boost::asio::steady_timer deadline_timer_;
  boost::asio::steady_timer retry_timer_;
};

// What one connect() probe saw.
struct ProbeResult {
  enum class Outcome {
    connected,       // the peer accepted
    refused,         // ECONNREFUSED: the peer is reachable and nothing listens
    failed_at_once,  // connect() itself failed (a blackhole route gives EINVAL)
    failed,          // the connection failed later (EHOSTUNREACH after ARP, ...)
    timed_out,       // no answer within the probe's timeout
  };
  Outcome outcome = Outcome::timed_out;
  int error = 0;  // errno, for the failures
  std::chrono::microseconds elapsed{0};

  // The peer answered (connected or refused).
  bool reachable() const { return outcome == Outcome::connected || outcome == Outcome::refused; }
  // connect() failed at once with a routing error: the path is cut locally.
  bool cut_at_once() const;
  // "connected", "ECONNREFUSED (Connection refused)", "timed out after 200 ms".
  std::string text() const;
};

// Starts a non-blocking TCP connect() from `from`'s namespace ("client" or a node) to
// `address`:probe_port and reports what happened within `timeout`. The socket is made inside the
// namespace and then waited on from the io thread, so the wait does not block.
void probe_connect(LabContext& context, const std::string& from, const std::string& address,
                   std::chrono::milliseconds timeout,
                   std::function<void(Result<ProbeResult>)> done);

// The probe as evidence: {from, to, address, result, elapsed_us}.
boost::json::object probe_evidence(const std::string& from, const std::string& to,
                                   const std::string& address, const ProbeResult& result);

}  // namespace firedrill::lab_link
