// rtnetlink operations of the lab through libnl-route (see netlink.h). Each function checks every
// libnl return value and names the operation and the object in its error.
#include "lab/netlink.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>
#include <sys/socket.h>

#include <cstdio>
#include <limits>

namespace firedrill::netlink {

Status check(int nl_error, const std::string& what) {
  if (nl_error >= 0) return Status::ok();
  return Status::error(what + ": " + nl_geterror(nl_error));
}

bool is_not_found(int nl_error) {
  const int code = nl_error < 0 ? -nl_error : nl_error;
  return code == NLE_OBJ_NOTFOUND || code == NLE_NODEV;
}

Result<Socket> connect_route_socket() {
  Socket socket(nl_socket_alloc());
  if (!socket) return Status::error("nl_socket_alloc: out of memory");
  if (Status status = check(nl_connect(socket.get(), NETLINK_ROUTE), "nl_connect NETLINK_ROUTE");
      !status) {
    return status;
  }
  return socket;
}

Result<Address> parse_ipv4(const std::string& text) {
  nl_addr* parsed = nullptr;
  if (Status status = check(nl_addr_parse(text.c_str(), AF_INET, &parsed), "nl_addr_parse " + text);
      !status) {
    return status;
  }
  return Address(parsed);
}

Result<Link> get_link(nl_sock* socket, const std::string& name) {
  rtnl_link* link = nullptr;
  if (Status status = check(rtnl_link_get_kernel(socket, 0, name.c_str(), &link),
                            "rtnl_link_get_kernel " + name);
      !status) {
    return status;
  }
  return Link(link);
}

Result<int> link_index(nl_sock* socket, const std::string& name) {
  Result<Link> link = get_link(socket, name);
  if (!link) return link.status();
  return rtnl_link_get_ifindex(link->get());
}

Status set_link_up(nl_sock* socket, const std::string& name) {
  Result<Link> current = get_link(socket, name);
  if (!current) return current.status();
  Link change(rtnl_link_alloc());
  if (!change) return Status::error("rtnl_link_alloc: out of memory");
  rtnl_link_set_flags(change.get(), IFF_UP);
  return check(rtnl_link_change(socket, current->get(), change.get(), 0),
               "rtnl_link_change " + name + " up");
}

Status add_bridge(nl_sock* socket, const std::string& name, std::uint32_t group) {
  Link bridge(rtnl_link_bridge_alloc());
  if (!bridge) return Status::error("rtnl_link_bridge_alloc: out of memory");
  rtnl_link_set_name(bridge.get(), name.c_str());
  rtnl_link_set_group(bridge.get(), group);
  rtnl_link_set_flags(bridge.get(), IFF_UP);
  return check(rtnl_link_add(socket, bridge.get(), NLM_F_CREATE | NLM_F_EXCL),
               "rtnl_link_add bridge " + name);
}

Status add_veth(nl_sock* socket, const std::string& host_name, std::uint32_t group,
                int master_index, const std::string& peer_name, int peer_netns_fd) {
  Link host(rtnl_link_veth_alloc());
  if (!host) return Status::error("rtnl_link_veth_alloc: out of memory");
  // rtnl_link_veth_get_peer() takes a reference of its own, dropped by `peer`.
  Link peer(rtnl_link_veth_get_peer(host.get()));
  rtnl_link_set_name(host.get(), host_name.c_str());
  rtnl_link_set_group(host.get(), group);
  rtnl_link_set_master(host.get(), master_index);
  rtnl_link_set_flags(host.get(), IFF_UP);
  rtnl_link_set_name(peer.get(), peer_name.c_str());
  rtnl_link_set_ns_fd(peer.get(), peer_netns_fd);
  return check(rtnl_link_add(socket, host.get(), NLM_F_CREATE | NLM_F_EXCL),
               "rtnl_link_add veth " + host_name);
}

Status delete_link(nl_sock* socket, const std::string& name) {
  Link link(rtnl_link_alloc());
  if (!link) return Status::error("rtnl_link_alloc: out of memory");
  rtnl_link_set_name(link.get(), name.c_str());
  const int error = rtnl_link_delete(socket, link.get());
  if (is_not_found(error)) return Status::ok();
  return check(error, "rtnl_link_delete " + name);
}

Status delete_link_group(nl_sock* socket, std::uint32_t group) {
  const std::string what = "RTM_DELLINK group " + std::to_string(group);
  std::unique_ptr<nl_msg, Release<nl_msg, nlmsg_free>> message(nlmsg_alloc_simple(RTM_DELLINK, 0));
  if (!message) return Status::error(what + ": out of memory");
  ifinfomsg header{};  // ifindex 0 and no name: the kernel selects by IFLA_GROUP
  if (Status status =
          check(nlmsg_append(message.get(), &header, sizeof(header), NLMSG_ALIGNTO), what);
      !status) {
    return status;
  }
  if (Status status = check(nla_put_u32(message.get(), IFLA_GROUP, group), what); !status) {
    return status;
  }
  // nl_send_sync() frees the message whatever happens.
  const int error = nl_send_sync(socket, message.release());
  if (is_not_found(error)) return Status::ok();
  return check(error, what);
}

Status add_address(nl_sock* socket, int link_index, const std::string& cidr) {
  Result<Address> local = parse_ipv4(cidr);
  if (!local) return local.status();
  InterfaceAddress address(rtnl_addr_alloc());
  if (!address) return Status::error("rtnl_addr_alloc: out of memory");
  rtnl_addr_set_ifindex(address.get(), link_index);
  // Also sets the prefix length, from the one parsed with the address.
  if (Status status =
          check(rtnl_addr_set_local(address.get(), local->get()), "rtnl_addr_set_local " + cidr);
      !status) {
    return status;
  }
  return check(rtnl_addr_add(socket, address.get(), 0), "rtnl_addr_add " + cidr);
}

Status add_default_route(nl_sock* socket, int link_index, const std::string& gateway) {
  Result<Address> destination = parse_ipv4("0.0.0.0/0");
  if (!destination) return destination.status();
  Result<Address> via = parse_ipv4(gateway);
  if (!via) return via.status();
  Route route(rtnl_route_alloc());
  if (!route) return Status::error("rtnl_route_alloc: out of memory");
  rtnl_route_set_family(route.get(), AF_INET);
  if (Status status =
          check(rtnl_route_set_dst(route.get(), destination->get()), "rtnl_route_set_dst default");
      !status) {
    return status;
  }
  rtnl_nexthop* hop = rtnl_route_nh_alloc();
  if (hop == nullptr) return Status::error("rtnl_route_nh_alloc: out of memory");
  rtnl_route_nh_set_ifindex(hop, link_index);
  rtnl_route_nh_set_gateway(hop, via->get());
  rtnl_route_add_nexthop(route.get(), hop);  // the route owns `hop` from here on
  return check(rtnl_route_add(socket, route.get(), NLM_F_EXCL),
               "rtnl_route_add default via " + gateway);
}

// --- Helpers of the network faults ---

namespace {

using Qdisc = std::unique_ptr<rtnl_qdisc, Release<rtnl_qdisc, rtnl_qdisc_put>>;

// "a.b.c.d/n" of an IPv4 nl_addr (nl_addr2str leaves out a /32).
std::string ipv4_prefix_text(nl_addr* address) {
  char text[INET_ADDRSTRLEN] = {};
  if (nl_addr_get_len(address) == 4) {
    inet_ntop(AF_INET, nl_addr_get_binary_addr(address), text, sizeof(text));
  } else {
    std::snprintf(text, sizeof(text), "0.0.0.0");  // the kernel omits RTA_DST for a default route
  }
  return std::string(text) + "/" + std::to_string(nl_addr_get_prefixlen(address));
}

// A blackhole route object for `destination` in the main table, for adding or deleting.
Result<Route> blackhole_route(const std::string& destination) {
  Result<Address> parsed = parse_ipv4(destination);
  if (!parsed) return parsed.status();
  Route route(rtnl_route_alloc());
  if (!route) return Status::error("rtnl_route_alloc: out of memory");
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
  rtnl_route_set_protocol(route.get(), RTPROT_STATIC);
  if (Status status = check(rtnl_route_set_type(route.get(), RTN_BLACKHOLE),
                            "rtnl_route_set_type blackhole " + destination);
      !status) {
    return status;
  }
  if (Status status = check(rtnl_route_set_dst(route.get(), parsed->get()),
                            "rtnl_route_set_dst " + destination);
      !status) {
    return status;
  }
  return route;
}

// The IPv4 routes of every table, as the kernel lists them now.
Result<Cache> route_cache(nl_sock* socket) {
  nl_cache* routes = nullptr;
  if (Status status =
          check(rtnl_route_alloc_cache(socket, AF_INET, 0, &routes), "rtnl_route_alloc_cache");
      !status) {
    return status;
  }
  return Cache(routes);
}

// A qdisc object on the root of the link with index `link_index`, with handle `handle`.
Result<Qdisc> root_qdisc_object(int link_index, std::uint32_t handle, const char* kind) {
  Qdisc qdisc(rtnl_qdisc_alloc());
  if (!qdisc) return Status::error("rtnl_qdisc_alloc: out of memory");
  rtnl_tc_set_ifindex(TC_CAST(qdisc.get()), link_index);
  rtnl_tc_set_parent(TC_CAST(qdisc.get()), TC_H_ROOT);
  rtnl_tc_set_handle(TC_CAST(qdisc.get()), handle);
  if (kind != nullptr) {
    if (Status status = check(rtnl_tc_set_kind(TC_CAST(qdisc.get()), kind),
                              std::string("rtnl_tc_set_kind ") + kind);
        !status) {
      return status;
    }
  }
  return qdisc;
}

std::string link_text(int link_index) {
  return "link " + std::to_string(link_index);
}

}  // namespace

Status set_link_down(nl_sock* socket, const std::string& name) {
  Result<Link> current = get_link(socket, name);
  if (!current) return current.status();
  Link change(rtnl_link_alloc());
  if (!change) return Status::error("rtnl_link_alloc: out of memory");
  rtnl_link_unset_flags(change.get(), IFF_UP);
  return check(rtnl_link_change(socket, current->get(), change.get(), 0),
               "rtnl_link_change " + name + " down");
}

Result<bool> link_exists(nl_sock* socket, const std::string& name) {
  rtnl_link* link = nullptr;
  const int error = rtnl_link_get_kernel(socket, 0, name.c_str(), &link);
  if (is_not_found(error)) return false;
  if (Status status = check(error, "rtnl_link_get_kernel " + name); !status) return status;
  rtnl_link_put(link);
  return true;
}

Result<bool> link_is_up(nl_sock* socket, const std::string& name) {
  Result<Link> link = get_link(socket, name);
  if (!link) return link.status();
  return (rtnl_link_get_flags(link->get()) & IFF_UP) != 0;
}

Result<bool> add_blackhole_route(nl_sock* socket, const std::string& destination) {
  Result<Route> route = blackhole_route(destination);
  if (!route) return route.status();
  const int error = rtnl_route_add(socket, route->get(), NLM_F_EXCL);
  if (error == -NLE_EXIST) return false;
  if (Status status = check(error, "rtnl_route_add blackhole " + destination); !status) {
    return status;
  }
  return true;
}

Status delete_blackhole_route(nl_sock* socket, const std::string& destination) {
  Result<Route> route = blackhole_route(destination);
  if (!route) return route.status();
  const int error = rtnl_route_delete(socket, route->get(), 0);
  if (is_not_found(error)) return Status::ok();
  return check(error, "rtnl_route_delete blackhole " + destination);
}

Result<std::vector<std::string>> blackhole_routes(nl_sock* socket) {
  Result<Cache> routes = route_cache(socket);
  if (!routes) return routes.status();
  std::vector<std::string> destinations;
  for (nl_object* object = nl_cache_get_first(routes->get()); object != nullptr;
       object = nl_cache_get_next(object)) {
    auto* route = reinterpret_cast<rtnl_route*>(object);
    if (rtnl_route_get_table(route) != RT_TABLE_MAIN) continue;
    if (rtnl_route_get_type(route) != RTN_BLACKHOLE) continue;
    destinations.push_back(ipv4_prefix_text(rtnl_route_get_dst(route)));
  }
  return destinations;
}

Result<bool> has_default_route(nl_sock* socket) {
  Result<Cache> routes = route_cache(socket);
  if (!routes) return routes.status();
  for (nl_object* object = nl_cache_get_first(routes->get()); object != nullptr;
       object = nl_cache_get_next(object)) {
    auto* route = reinterpret_cast<rtnl_route*>(object);
    if (rtnl_route_get_table(route) != RT_TABLE_MAIN) continue;
    if (rtnl_route_get_type(route) != RTN_UNICAST) continue;
    nl_addr* destination = rtnl_route_get_dst(route);
    if (destination == nullptr || nl_addr_get_prefixlen(destination) == 0) return true;
  }
  return false;
}

Status add_tbf_qdisc(nl_sock* socket, int link_index, std::uint32_t handle,
                     const TbfSettings& settings) {
  const std::string what = "rtnl_qdisc_add tbf " + link_text(link_index);
  constexpr std::uint32_t int_max = std::numeric_limits<int>::max();
  if (settings.rate_bytes_per_s == 0 || settings.rate_bytes_per_s > int_max ||
      settings.burst_bytes == 0 || settings.burst_bytes > int_max ||
      settings.limit_bytes > int_max) {
    return Status::error(what + ": rate, burst or limit out of range");
  }
  Result<Qdisc> qdisc = root_qdisc_object(link_index, handle, "tbf");
  if (!qdisc) return qdisc.status();
  // libnl takes ints; the range was checked above.
  rtnl_qdisc_tbf_set_rate(qdisc->get(), static_cast<int>(settings.rate_bytes_per_s),
                          static_cast<int>(settings.burst_bytes), 0);
  rtnl_qdisc_tbf_set_limit(qdisc->get(), static_cast<int>(settings.limit_bytes));
  return check(rtnl_qdisc_add(socket, qdisc->get(), NLM_F_CREATE | NLM_F_EXCL), what);
}

Result<bool> add_netem_qdisc(nl_sock* socket, int link_index, std::uint32_t handle,
                             const NetemSettings& settings) {
  const std::string what = "rtnl_qdisc_add netem " + link_text(link_index);
  if (settings.loss_percent > 100 ||
      settings.delay_us > static_cast<std::uint32_t>(std::numeric_limits<int>::max())) {
    return Status::error(what + ": delay or loss out of range");
  }
  Result<Qdisc> qdisc = root_qdisc_object(link_index, handle, "netem");
  if (!qdisc) return qdisc.status();
  rtnl_netem_set_delay(qdisc->get(), static_cast<int>(settings.delay_us));
  // The kernel's loss probability is a fraction of 2^32 - 1; libnl passes the bits through an int.
  const std::uint64_t loss = std::uint64_t{settings.loss_percent} * 0xffffffffu / 100;
  rtnl_netem_set_loss(qdisc->get(), static_cast<int>(static_cast<std::uint32_t>(loss)));
  const int error = rtnl_qdisc_add(socket, qdisc->get(), NLM_F_CREATE | NLM_F_EXCL);
  // An unknown qdisc kind: ENOENT (after a failed module request), or EOPNOTSUPP.
  if (error == -NLE_OBJ_NOTFOUND || error == -NLE_OPNOTSUPP) return false;
  if (Status status = check(error, what); !status) return status;
  return true;
}

Result<std::optional<QdiscInfo>> root_qdisc(nl_sock* socket, int link_index) {
  nl_cache* raw = nullptr;
  if (Status status = check(rtnl_qdisc_alloc_cache(socket, &raw), "rtnl_qdisc_alloc_cache");
      !status) {
    return status;
  }
  Cache qdiscs(raw);
  for (nl_object* object = nl_cache_get_first(qdiscs.get()); object != nullptr;
       object = nl_cache_get_next(object)) {
    auto* qdisc = reinterpret_cast<rtnl_qdisc*>(object);
    rtnl_tc* tc = TC_CAST(qdisc);
    if (rtnl_tc_get_ifindex(tc) != link_index || rtnl_tc_get_parent(tc) != TC_H_ROOT) continue;
    if (rtnl_tc_get_handle(tc) == 0) continue;  // the kernel's default qdisc
    QdiscInfo info;
    const char* kind = rtnl_tc_get_kind(tc);
    info.kind = kind != nullptr ? kind : "";
    info.handle = rtnl_tc_get_handle(tc);
    if (info.kind == "tbf") info.tbf_rate_bytes_per_s = rtnl_qdisc_tbf_get_rate(qdisc);
    return std::optional<QdiscInfo>(std::move(info));
  }
  return std::optional<QdiscInfo>();
}

Status delete_root_qdisc(nl_sock* socket, int link_index, std::uint32_t handle) {
  Result<std::optional<QdiscInfo>> current = root_qdisc(socket, link_index);
  if (!current) return current.status();
  if (!current->has_value() || (*current)->handle != handle) return Status::ok();
  Result<Qdisc> qdisc = root_qdisc_object(link_index, handle, nullptr);
  if (!qdisc) return qdisc.status();
  const int error = rtnl_qdisc_delete(socket, qdisc->get());
  if (is_not_found(error)) return Status::ok();
  return check(error, "rtnl_qdisc_delete " + link_text(link_index));
}

}  // namespace firedrill::netlink
