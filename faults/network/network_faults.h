// Network faults: network.partition, network.isolate, network.bandwidth, network.delay and
// network.loss, made real through libnl-route inside the lab's network namespaces
// (harness/lab/network.h). Nothing here runs `ip` or `tc`, and no packet leaves the lab's subnet.
//
// Privileges: CAP_NET_ADMIN over the controller's network namespace and the nodes' ones (root, or
// the owner of the lab's user namespace), plus CAP_SYS_ADMIN for setns() into a node's namespace
// (LabNetwork::run_in). Work inside a node's namespace blocks the io thread for a few hundred
// microseconds per step (a helper thread enters the namespace).
//
// Every step is asynchronous and "done" means verified, within the context's step_deadline.
// A fault object must outlive the steps it started (the runner keeps it until the drill ends).
//
// network.partition  (no single target) `groups`: two or more disjoint groups cut from each other
//     both ways; or `from` / `to`: one way. Members are node names, "client" (the controller's own
//     namespace) or "role:NAME", resolved at apply time. For each cut pair (a, b) a blackhole route
//     to b's address/32 goes into a's namespace. Because a route drops everything a sends to b,
//     one way means "from may not send to to": TCP fails in both directions (replies are
//     dropped), datagrams from `to` still arrive. A route that was already there (another
//     partition's) is left out of this fault's record. Verified by a probe connect() from a
//     member of the first side to one across the cut: it must fail at once (EINVAL). Revert
//     removes exactly the routes this fault added, ignoring ones already gone; verified by the
//     routes' absence and the same probe getting ECONNREFUSED (or connecting), unless a probe
//     end's link is down or gone (then there is nothing to connect to; the evidence says so).
// network.isolate  (target node) sets the node's eth0 down inside its namespace, which also
//     flushes the routes through it. Verified by the link state and a connect() from the
//     controller to the node that fails or times out (probe_timeout_ms). Revert sets the
//     link up and puts back the default route via the controller when the node had one;
//     verified by the link state, the route and a connect() that is refused (or connects).
//     Revert of a link that is gone succeeds.
// network.bandwidth  (target node, `rate` in bits/s) a TBF qdisc as root qdisc of the node's eth0
//     (its egress) and of its host-side veth (its ingress). Verified by reading both back; revert
//     deletes exactly those two qdiscs (by handle) and verifies their absence; a link that is
//     gone counts as reverted.
// network.delay / network.loss  (target node) a netem qdisc on the node's eth0 (its egress): a
//     fixed `delay`, or `percent` of packets dropped. Only where the running kernel has netem
//     (netem_available); otherwise apply fails with "this kernel lacks netem
//     (CONFIG_NET_SCH_NETEM)". Revert as for bandwidth.
#pragma once

#include <chrono>
#include <memory>

#include "fault.h"

namespace firedrill {

// How long a verifying connect() probe waits for an answer. Past it the peer counts as cut off
// (network.isolate's apply, which therefore takes this long), or the probe is tried again (the
// reverts, until the step deadline).
inline constexpr std::chrono::milliseconds probe_timeout_ms{200};

// Ok when the running kernel can add a netem qdisc (tried on "lo" of a throwaway network
// namespace made on a helper thread, so nothing of the caller's changes); otherwise an error
// saying "this kernel lacks netem (CONFIG_NET_SCH_NETEM)", or why the check itself failed. The
// runner calls it to refuse network.delay / network.loss scenarios before anything starts.
// Needs CAP_SYS_ADMIN (unshare) and CAP_NET_ADMIN. Takes a few milliseconds.
Status netem_available();

std::unique_ptr<Fault> make_network_partition(const FaultSpec& spec, const std::string& node,
                                              FaultContext& context);
std::unique_ptr<Fault> make_network_isolate(const FaultSpec& spec, const std::string& node,
                                            FaultContext& context);
std::unique_ptr<Fault> make_network_bandwidth(const FaultSpec& spec, const std::string& node,
                                              FaultContext& context);
std::unique_ptr<Fault> make_network_delay(const FaultSpec& spec, const std::string& node,
                                          FaultContext& context);
std::unique_ptr<Fault> make_network_loss(const FaultSpec& spec, const std::string& node,
                                         FaultContext& context);

}  // namespace firedrill
