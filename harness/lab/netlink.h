// Thin RAII wrappers over libnl-route (netlink sockets, links, caches, addresses, routes) and the
// handful of rtnetlink operations the lab and the network faults need. Every failure comes back as
// a Status "operation : object : nl_geterror()", never as a libnl error code.
//
// Used by harness/lab/network.cc; the partition and bandwidth faults are meant to reuse it. A
// netlink socket acts on the network namespace it was created in, whichever thread uses it later,
// and is not thread-safe: each thread makes its own.
#pragma once

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace firedrill::netlink {

// Deleter calling the libnl function that drops one reference (or frees) an object of type T.
template <typename T, void (*release)(T*)>
struct Release {
  void operator()(T* object) const {
    if (object != nullptr) release(object);
  }
};

// An owned netlink socket, connected to NETLINK_ROUTE by connect_route_socket().
using Socket = std::unique_ptr<nl_sock, Release<nl_sock, nl_socket_free>>;
// An owned reference to a link object (a device description, or a request to make one).
using Link = std::unique_ptr<rtnl_link, Release<rtnl_link, rtnl_link_put>>;
// An owned cache (e.g. a dump of all links), freed with its objects.
using Cache = std::unique_ptr<nl_cache, Release<nl_cache, nl_cache_free>>;
// An owned reference to an interface address object.
using InterfaceAddress = std::unique_ptr<rtnl_addr, Release<rtnl_addr, rtnl_addr_put>>;
// An owned reference to a route object.
using Route = std::unique_ptr<rtnl_route, Release<rtnl_route, rtnl_route_put>>;
// An owned reference to an abstract address (an IPv4 address with a prefix length).
using Address = std::unique_ptr<nl_addr, Release<nl_addr, nl_addr_put>>;

// Ok when `nl_error` (a libnl return value) is not negative; otherwise "what: <nl_geterror>".
Status check(int nl_error, const std::string& what);

// Whether a libnl error code means "no such device or object", which removals treat as done.
bool is_not_found(int nl_error);

// A NETLINK_ROUTE socket in the calling thread's current network namespace.
Result<Socket> connect_route_socket();

// Parses "a.b.c.d" or "a.b.c.d/n" as an IPv4 address; the error names `text`.
Result<Address> parse_ipv4(const std::string& text);

// The kernel's current description of the link called `name`.
Result<Link> get_link(nl_sock* socket, const std::string& name);

// The interface index of the link called `name`.
Result<int> link_index(nl_sock* socket, const std::string& name);

// Sets IFF_UP on the link called `name`.
Status set_link_up(nl_sock* socket, const std::string& name);

// Creates a bridge called `name` (no STP, so ports forward as soon as they are up) in link group
// `group` and brings it up. Fails when a link of that name exists.
Status add_bridge(nl_sock* socket, const std::string& name, std::uint32_t group);

// Creates a veth pair in one request: `host_name` stays in the socket's namespace, in link group
// `group`, enslaved to the bridge with index `master_index` and up; its peer `peer_name` is created
// directly inside the network namespace open at `peer_netns_fd`, down.
Status add_veth(nl_sock* socket, const std::string& host_name, std::uint32_t group,
                int master_index, const std::string& peer_name, int peer_netns_fd);

// Deletes the link called `name`; a link that is already gone counts as deleted.
Status delete_link(nl_sock* socket, const std::string& name);

// Deletes every link of group `group` in the socket's namespace in one request (RTM_DELLINK with
// IFLA_GROUP, which libnl has no call for): the kernel unregisters them as one batch, with one
// round of RCU waits instead of one per link. A group with no links counts as deleted.
Status delete_link_group(nl_sock* socket, std::uint32_t group);

// Adds the IPv4 address `cidr` ("a.b.c.d/n") to the link with index `link_index`.
Status add_address(nl_sock* socket, int link_index, const std::string& cidr);

// Adds a default IPv4 route via `gateway` ("a.b.c.d") out of the link with index `link_index`.
Status add_default_route(nl_sock* socket, int link_index, const std::string& gateway);

// --- Helpers of the lab's link changes (harness/lab/changes/) ---

// Clears IFF_UP on the link called `name`. The kernel then flushes every route through it.
Status set_link_down(nl_sock* socket, const std::string& name);

// Whether a link called `name` exists in the socket's namespace.
Result<bool> link_exists(nl_sock* socket, const std::string& name);

// Whether the link called `name` is administratively up (IFF_UP).
Result<bool> link_is_up(nl_sock* socket, const std::string& name);

// Adds a blackhole route to `destination` ("a.b.c.d/n") in the main table: the socket's namespace
// then drops every packet it sends there, and connect() fails at once with EINVAL. True when
// added, false when the same route was there already (so it is not the caller's to remove).
Result<bool> add_blackhole_route(nl_sock* socket, const std::string& destination);

// Deletes the blackhole route to `destination` from the main table; one already gone counts as
// deleted.
Status delete_blackhole_route(nl_sock* socket, const std::string& destination);

// The destinations ("a.b.c.d/n") of every IPv4 blackhole route in the main table.
Result<std::vector<std::string>> blackhole_routes(nl_sock* socket);

// Whether the main table holds an IPv4 default route (0.0.0.0/0).
Result<bool> has_default_route(nl_sock* socket);

// A token bucket filter: `rate_bytes_per_s` sustained, `burst_bytes` of bucket, and a queue of
// `limit_bytes` beyond which packets are dropped.
struct TbfSettings {
  std::uint32_t rate_bytes_per_s = 0;
  std::uint32_t burst_bytes = 0;
  std::uint32_t limit_bytes = 0;
};

// Adds a TBF qdisc with handle `handle` as the root qdisc of the link with index `link_index`
// (egress). Fails when the link already has a root qdisc of its own (NLM_F_EXCL).
Status add_tbf_qdisc(nl_sock* socket, int link_index, std::uint32_t handle,
                     const TbfSettings& settings);

// What netem adds: a fixed delay and a loss probability.
struct NetemSettings {
  std::uint32_t delay_us = 0;
  std::uint32_t loss_percent = 0;  // 0 .. 100
};

// Adds a netem qdisc with handle `handle` as the root qdisc of the link with index `link_index`:
// true when added, false when the running kernel does not know netem (CONFIG_NET_SCH_NETEM
// unset: ENOENT or EOPNOTSUPP), an error otherwise.
Result<bool> add_netem_qdisc(nl_sock* socket, int link_index, std::uint32_t handle,
                             const NetemSettings& settings);

// The root qdisc of a link as the kernel lists it (a fresh rtnl_qdisc cache).
struct QdiscInfo {
  std::string kind;  // "tbf", "netem", ...
  std::uint32_t handle = 0;
  std::int64_t tbf_rate_bytes_per_s = -1;  // for "tbf"; -1 otherwise
};

// The root qdisc of the link with index `link_index`, or nullopt when it has only the kernel's
// default (noqueue / pfifo_fast, handle 0, which dumps may or may not list).
Result<std::optional<QdiscInfo>> root_qdisc(nl_sock* socket, int link_index);

// Deletes the root qdisc of the link with index `link_index` when its handle is `handle`; a link
// whose root qdisc is another one (or the default) is left alone and counts as done.
Status delete_root_qdisc(nl_sock* socket, int link_index, std::uint32_t handle);

}  // namespace firedrill::netlink
