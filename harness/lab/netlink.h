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
#include <string>

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

}  // namespace firedrill::netlink
