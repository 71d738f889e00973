// The lab's network (DESIGN.md §2): one network namespace per node, each joined by a veth pair to a
// bridge in the controller's own network namespace, with addresses from the lab subnet
// (198.18.0.0/24 by default: .1 is the controller, nodes get .2, .3, ... in order).
//
// Used by the controller when it brings up the lab, and by faults that act inside a node's
// namespace (run_in). Everything is done through libnl-route, never by running `ip`. Privileges:
// CAP_NET_ADMIN and CAP_SYS_ADMIN over the controller's network namespace (root, or the owner of
// the user namespace the controller made). Nothing outlives the controller: the bridge and host
// veths live in its own fresh namespace, and the node namespaces are held open only by fds.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "lab/netlink.h"

namespace firedrill {

// Most nodes one lab holds (addresses .2 to .251 of a /24).
inline constexpr int lab_nodes_max = 250;
// Longest node name, in characters; names use only [a-z0-9-].
inline constexpr int node_name_chars_max = 32;
// Shortest and longest accepted subnet prefixes, in bits: a /30 holds the controller and one node.
inline constexpr int subnet_prefix_bits_min = 8;
inline constexpr int subnet_prefix_bits_max = 30;

// What to build: the subnet, the bridge's name and the nodes, in address order.
struct LabNetworkSpec {
  // IPv4 network address with a prefix length from /8 to /30, host bits zero.
  std::string subnet = "198.18.0.0/24";
  // Name of the bridge in the controller's namespace (a valid interface name, < IFNAMSIZ).
  std::string bridge = "fdbr0";
  // Node names, unique, each [a-z0-9-] and at most node_name_chars_max characters.
  std::vector<std::string> nodes;
};

// One node's place on the lab network.
struct NodeNetwork {
  // The node's name, as in LabNetworkSpec::nodes.
  std::string node;
  // The node's IPv4 address ("198.18.0.2"), without prefix length.
  std::string address;
  // The veth end left in the controller's namespace, enslaved to the bridge.
  std::string host_veth;
  // The veth end inside the node's namespace (always "eth0").
  std::string node_veth;
};

// Checks `spec` without touching the system: subnet syntax and range, bridge name, node names,
// duplicates, and that the subnet has an address for every node.
Status validate(const LabNetworkSpec& spec);

// The host-side veth name of `node`: "v-<node>" when it fits in IFNAMSIZ-1 characters, otherwise
// "v-" + the name's first 7 characters + 6 hex digits of a hash of the whole name.
std::string host_veth_name(const std::string& node);

// Moves the calling process into a new, empty network namespace (unshare(CLONE_NEWNET)). Call it
// while the process has a single thread: unshare moves only the calling thread, so any other
// thread would stay behind in the old namespace. Fails, changing nothing, when there are others.
Status enter_fresh_network_namespace();

// The lab network, built by create() and torn down by the destructor. After create() it is
// immutable; const methods may be called from any thread, and run_in() concurrently.
class LabNetwork {
 public:
  // Builds the lab network in the caller's current network namespace, which must be the
  // controller's own fresh one (see enter_fresh_network_namespace), so that everything vanishes
  // with it; refuses a namespace holding any link besides "lo", so as never to touch a host's
  // network. Steps: lo up; the bridge, up, with the controller address (.1/prefix); then for each
  // node a new network namespace held by an fd (made on a short-lived thread, so the calling thread
  // never changes namespace), a veth pair whose host end is enslaved and up and whose peer "eth0"
  // is created inside the node's namespace, and inside that namespace lo up, eth0 up with the
  // node's address, and a default route via the controller address. On failure, whatever was
  // built is removed again.
  static Result<std::unique_ptr<LabNetwork>> create(const LabNetworkSpec& spec);

  // Removes the host veths (which takes their peers along) and the bridge, ignoring ones already
  // gone, and closes the namespace fds, releasing each namespace unless a process still uses it.
  ~LabNetwork();

  LabNetwork(const LabNetwork&) = delete;
  LabNetwork& operator=(const LabNetwork&) = delete;

  // The controller's address on the bridge ("198.18.0.1"), without prefix length.
  const std::string& controller_address() const { return controller_address_; }
  // The subnet's prefix length in bits (24 for a /24).
  int prefix_length() const { return prefix_length_; }
  // The bridge's name.
  const std::string& bridge() const { return bridge_; }
  // The node called `name`; asserts that it exists.
  const NodeNetwork& node(const std::string& name) const;
  // All nodes, in address order.
  const std::vector<NodeNetwork>& nodes() const { return nodes_; }
  // An fd of the node's network namespace (O_CLOEXEC), for setns() in a child before exec; owned
  // by this object. Asserts that the node exists.
  int netns_fd(const std::string& node) const;

  // Runs `fn` on a helper thread that has setns()ed into the node's network namespace, and
  // returns fn's Status (an exception from fn becomes an error). Sockets `fn` creates stay in that
  // namespace after it returns. Asserts that the node exists.
  Status run_in(const std::string& node, const std::function<Status()>& fn) const;

 private:
  LabNetwork() = default;
  std::size_t index_of(const std::string& name) const;
  Status build(const LabNetworkSpec& spec);
  Status add_node(std::size_t index);

  std::string bridge_;
  std::string controller_address_;
  int prefix_length_ = 0;
  std::vector<NodeNetwork> nodes_;
  // Parallel to nodes_: each node's namespace fd, -1 until made.
  std::vector<int> netns_fds_;
  // Socket in the controller's namespace, used by create() and the destructor only.
  netlink::Socket socket_;
  bool bridge_created_ = false;
  // How many host veths (a prefix of nodes_) were created and must be removed.
  std::size_t veths_created_ = 0;
};

}  // namespace firedrill
