// rtnetlink operations of the lab through libnl-route (see netlink.h). Each function checks every
// libnl return value and names the operation and the object in its error.
#include "lab/netlink.h"

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
#include <sys/socket.h>

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

}  // namespace firedrill::netlink
