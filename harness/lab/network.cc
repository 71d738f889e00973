// The lab network (see network.h): spec validation, namespace creation on helper threads, and the
// bridge / veth / address / route set-up through lab/netlink.h.
#include "lab/network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <sched.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <set>
#include <thread>

namespace firedrill {
namespace {

// Longest interface name the kernel accepts, in characters (IFNAMSIZ counts the NUL).
constexpr std::size_t interface_name_chars_max = IFNAMSIZ - 1;
// Name of the veth end inside every node's namespace.
constexpr const char* node_veth_name = "eth0";
// Link group (IFLA_GROUP) of the bridge and host veths ("fd" + 1), so the destructor removes them
// all in one batched request. Only the lab uses the controller's namespace, so no other link has
// it.
constexpr std::uint32_t lab_link_group = 0x66640001u;

std::string errno_text(int error) {
  return std::strerror(error);
}

// A parsed subnet: network address (host order) and prefix length.
struct Subnet {
  std::uint32_t network = 0;
  int prefix_bits = 0;
};

std::string ipv4_text(std::uint32_t address_host_order) {
  in_addr address{};
  address.s_addr = htonl(address_host_order);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &address, text, sizeof(text));
  return text;
}

Result<Subnet> parse_subnet(const std::string& text) {
  const std::string context = "lab network spec: subnet \"" + text + "\"";
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) return Status::error(context + ": expected a.b.c.d/prefix");
  const std::string address_text = text.substr(0, slash);
  const std::string prefix_text = text.substr(slash + 1);
  in_addr address{};
  if (inet_pton(AF_INET, address_text.c_str(), &address) != 1) {
    return Status::error(context + ": \"" + address_text + "\" is not an IPv4 address");
  }
  if (prefix_text.empty() || prefix_text.size() > 2 ||
      prefix_text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::error(context + ": \"" + prefix_text + "\" is not a prefix length");
  }
  Subnet subnet;
  subnet.network = ntohl(address.s_addr);
  subnet.prefix_bits = std::stoi(prefix_text);
  if (subnet.prefix_bits < subnet_prefix_bits_min || subnet.prefix_bits > subnet_prefix_bits_max) {
    return Status::error(context + ": prefix length must be from " +
                         std::to_string(subnet_prefix_bits_min) + " to " +
                         std::to_string(subnet_prefix_bits_max));
  }
  const std::uint32_t host_mask = (std::uint32_t{1} << (32 - subnet.prefix_bits)) - 1;
  if ((subnet.network & host_mask) != 0) {
    return Status::error(context + ": host bits are set (the network address is " +
                         ipv4_text(subnet.network & ~host_mask) + ")");
  }
  // Lab traffic must stay off loopback, "this network" and multicast/reserved space.
  const std::uint32_t first_octet = subnet.network >> 24;
  if (first_octet == 0 || first_octet == 127 || first_octet >= 224) {
    return Status::error(context + ": not a unicast range usable for a lab");
  }
  return subnet;
}

Status validate_node_name(const std::string& name) {
  const std::string context = "lab network spec: node \"" + name + "\"";
  if (name.empty()) return Status::error("lab network spec: empty node name");
  if (name.size() > static_cast<std::size_t>(node_name_chars_max)) {
    return Status::error(context + ": longer than " + std::to_string(node_name_chars_max) +
                         " characters");
  }
  if (name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
    return Status::error(context + ": only a-z, 0-9 and '-' are allowed");
  }
  return Status::ok();
}

Status validate_bridge_name(const std::string& name) {
  const std::string context = "lab network spec: bridge \"" + name + "\"";
  if (name.empty() || name.size() > interface_name_chars_max) {
    return Status::error(context + ": must be 1 to " + std::to_string(interface_name_chars_max) +
                         " characters");
  }
  if (name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
      std::string::npos) {
    return Status::error(context + ": only letters, digits, '_' and '-' are allowed");
  }
  if (name == "lo") return Status::error(context + ": is the loopback device");
  return Status::ok();
}

// Runs `fn` on a new thread and waits for it; a thread that cannot start, or an exception from
// `fn`, becomes an error naming `what`.
Status run_on_helper_thread(const std::string& what, const std::function<Status()>& fn) {
  Status result;
  try {
    std::thread helper([&result, &fn, &what] {
      try {
        result = fn();
      } catch (const std::exception& error) {
        result = Status::error(what + ": exception: " + error.what());
      } catch (...) {
        result = Status::error(what + ": unknown exception");
      }
    });
    helper.join();
  } catch (const std::exception& error) {
    return Status::error(what + ": cannot start a helper thread: " + error.what());
  }
  return result;
}

// A new network namespace, held by the returned fd (O_CLOEXEC). Made on a helper thread so that
// the calling thread stays where it is; the namespace outlives that thread through the fd.
Result<int> make_network_namespace(const std::string& node) {
  const std::string context = "lab network: node " + node;
  int fd = -1;
  Status status = run_on_helper_thread(context, [&fd, &context] {
    if (unshare(CLONE_NEWNET) != 0) {
      return Status::error(context + ": unshare(CLONE_NEWNET): " + errno_text(errno));
    }
    fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Status::error(context + ": open /proc/thread-self/ns/net: " + errno_text(errno));
    }
    return Status::ok();
  });
  if (!status) {
    if (fd >= 0) close(fd);
    return status;
  }
  return fd;
}

// Refuses a namespace where any link besides lo is up: that is not a controller's fresh
// namespace, and the lab must never reconfigure a host's network. (Fallback tunnel devices such as
// tunl0 or sit0 may exist in a fresh namespace, but they are down.)
Status check_namespace_is_fresh(nl_sock* socket) {
  nl_cache* links_raw = nullptr;
  if (Status status = netlink::check(rtnl_link_alloc_cache(socket, AF_UNSPEC, &links_raw),
                                     "lab network: rtnl_link_alloc_cache");
      !status) {
    return status;
  }
  netlink::Cache links(links_raw);
  for (nl_object* object = nl_cache_get_first(links.get()); object != nullptr;
       object = nl_cache_get_next(object)) {
    auto* link = reinterpret_cast<rtnl_link*>(object);
    const char* name = rtnl_link_get_name(link);
    const bool up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
    if (up && std::string(name ? name : "") != "lo") {
      return Status::error(
          std::string("lab network: current network namespace is not fresh: link ") +
          (name ? name : "?") + " is up (call enter_fresh_network_namespace first)");
    }
  }
  return Status::ok();
}

// Inside a node's namespace (the calling thread's): lo up, `veth` up with address `cidr`, and a
// default route via `gateway`.
Status configure_node_namespace(const std::string& veth, const std::string& cidr,
                                const std::string& gateway) {
  Result<netlink::Socket> socket = netlink::connect_route_socket();
  if (!socket) return socket.status();
  nl_sock* sk = socket->get();
  if (Status step = netlink::set_link_up(sk, "lo"); !step) return step;
  Result<int> index = netlink::link_index(sk, veth);
  if (!index) return index.status();
  if (Status step = netlink::add_address(sk, *index, cidr); !step) return step;
  if (Status step = netlink::set_link_up(sk, veth); !step) return step;
  return netlink::add_default_route(sk, *index, gateway);
}

std::uint32_t fnv1a_32(const std::string& text) {
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

}  // namespace

std::string host_veth_name(const std::string& node) {
  std::string name = "v-" + node;
  if (name.size() <= interface_name_chars_max) return name;
  char hash[8] = {};
  std::snprintf(hash, sizeof(hash), "%06x", fnv1a_32(node) & 0xffffffu);
  return "v-" + node.substr(0, interface_name_chars_max - 2 - 6) + hash;
}

Status validate(const LabNetworkSpec& spec) {
  Result<Subnet> subnet = parse_subnet(spec.subnet);
  if (!subnet) return subnet.status();
  if (Status status = validate_bridge_name(spec.bridge); !status) return status;
  if (spec.nodes.size() > static_cast<std::size_t>(lab_nodes_max)) {
    return Status::error("lab network spec: " + std::to_string(spec.nodes.size()) +
                         " nodes: at most " + std::to_string(lab_nodes_max) + " are allowed");
  }
  // Addresses of the subnet minus network, broadcast and the controller.
  const std::uint64_t node_addresses = (std::uint64_t{1} << (32 - subnet->prefix_bits)) - 3;
  if (spec.nodes.size() > node_addresses) {
    return Status::error("lab network spec: subnet \"" + spec.subnet + "\": has addresses for " +
                         std::to_string(node_addresses) + " nodes, not " +
                         std::to_string(spec.nodes.size()));
  }
  std::set<std::string> names;
  std::set<std::string> interfaces = {spec.bridge};
  for (const std::string& node : spec.nodes) {
    if (Status status = validate_node_name(node); !status) return status;
    if (!names.insert(node).second) {
      return Status::error("lab network spec: node \"" + node + "\": listed twice");
    }
    if (!interfaces.insert(host_veth_name(node)).second) {
      return Status::error("lab network spec: node \"" + node + "\": its veth name " +
                           host_veth_name(node) + " is already taken");
    }
  }
  return Status::ok();
}

Status enter_fresh_network_namespace() {
  // unshare(CLONE_NEWNET) moves only the calling thread: refuse when there are others.
  std::ifstream status_file("/proc/self/status");
  std::string line;
  while (std::getline(status_file, line)) {
    if (line.rfind("Threads:", 0) == 0 && std::stoi(line.substr(8)) != 1) {
      return Status::error("enter_fresh_network_namespace: process has" + line.substr(8) +
                           " threads: must be called while single-threaded");
    }
  }
  if (unshare(CLONE_NEWNET) != 0) {
    return Status::error("enter_fresh_network_namespace: unshare(CLONE_NEWNET): " +
                         errno_text(errno));
  }
  return Status::ok();
}

Result<std::unique_ptr<LabNetwork>> LabNetwork::create(const LabNetworkSpec& spec) {
  if (Status status = validate(spec); !status) return status;
  std::unique_ptr<LabNetwork> lab(new LabNetwork());
  // On failure `lab` is destroyed here, removing whatever was built.
  if (Status status = lab->build(spec); !status) return status;
  return lab;
}

Status LabNetwork::build(const LabNetworkSpec& spec) {
  const Subnet subnet = *parse_subnet(spec.subnet);
  bridge_ = spec.bridge;
  prefix_length_ = subnet.prefix_bits;
  controller_address_ = ipv4_text(subnet.network + 1);
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) {
    const std::string& name = spec.nodes[i];
    nodes_.push_back({name, ipv4_text(subnet.network + 2 + static_cast<std::uint32_t>(i)),
                      host_veth_name(name), node_veth_name});
  }
  netns_fds_.assign(nodes_.size(), -1);

  Result<netlink::Socket> socket = netlink::connect_route_socket();
  if (!socket) return socket.status().with_context("lab network: controller");
  socket_ = std::move(*socket);
  if (Status status = check_namespace_is_fresh(socket_.get()); !status) return status;
  if (Status status = netlink::set_link_up(socket_.get(), "lo"); !status) {
    return status.with_context("lab network: controller");
  }
  if (Status status = netlink::add_bridge(socket_.get(), bridge_, lab_link_group); !status) {
    return status.with_context("lab network: controller");
  }
  bridge_created_ = true;
  Result<int> bridge_index = netlink::link_index(socket_.get(), bridge_);
  if (!bridge_index) return bridge_index.status().with_context("lab network: controller");
  const std::string controller_cidr = controller_address_ + "/" + std::to_string(prefix_length_);
  if (Status status = netlink::add_address(socket_.get(), *bridge_index, controller_cidr);
      !status) {
    return status.with_context("lab network: controller");
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (Status status = add_node(i); !status) return status;
  }
  return Status::ok();
}

Status LabNetwork::add_node(std::size_t index) {
  const NodeNetwork& node = nodes_[index];
  const std::string context = "lab network: node " + node.node;
  Result<int> fd = make_network_namespace(node.node);
  if (!fd) return fd.status();
  netns_fds_[index] = *fd;
  Result<int> bridge_index = netlink::link_index(socket_.get(), bridge_);
  if (!bridge_index) return bridge_index.status().with_context(context);
  if (Status status = netlink::add_veth(socket_.get(), node.host_veth, lab_link_group,
                                        *bridge_index, node.node_veth, *fd);
      !status) {
    return status.with_context(context);
  }
  veths_created_ = index + 1;
  const std::string cidr = node.address + "/" + std::to_string(prefix_length_);
  const std::string gateway = controller_address_;
  // run_in's own errors already name the node; the steps' errors get `context` here.
  return run_in(node.node, [&node, &cidr, &gateway, &context] {
    return configure_node_namespace(node.node_veth, cidr, gateway).with_context(context);
  });
}

LabNetwork::~LabNetwork() {
  // Errors cannot be returned from here, and the namespace going away with the controller removes
  // anything left anyway, so a failed removal is only skipped. One batched request removes all the
  // links (about 20 ms of kernel RCU waits per link when done one by one); one by one is the
  // fallback.
  if (socket_ && !netlink::delete_link_group(socket_.get(), lab_link_group)) {
    for (std::size_t i = 0; i < veths_created_; ++i) {
      (void)netlink::delete_link(socket_.get(), nodes_[i].host_veth);
    }
    if (bridge_created_) (void)netlink::delete_link(socket_.get(), bridge_);
  }
  for (int fd : netns_fds_) {
    if (fd >= 0) close(fd);
  }
}

std::size_t LabNetwork::index_of(const std::string& name) const {
  std::size_t index = 0;
  while (index < nodes_.size() && nodes_[index].node != name) ++index;
  assert(index < nodes_.size() && "LabNetwork: unknown node name");
  return index;
}

const NodeNetwork& LabNetwork::node(const std::string& name) const {
  return nodes_[index_of(name)];
}

int LabNetwork::netns_fd(const std::string& node) const {
  return netns_fds_[index_of(node)];
}

Status LabNetwork::run_in(const std::string& node, const std::function<Status()>& fn) const {
  const int fd = netns_fd(node);
  const std::string context = "lab network: run_in: node " + node;
  return run_on_helper_thread(context, [fd, &fn, &context] {
    if (setns(fd, CLONE_NEWNET) != 0) {
      return Status::error(context + ": setns: " + errno_text(errno));
    }
    return fn();
  });
}

}  // namespace firedrill
