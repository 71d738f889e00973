// Tests of the lab network (harness/lab/network.h): real namespaces, veths, a bridge and TCP
// connections across them. This binary has its own main(): before gtest starts any thread it moves
// the whole process into a fresh network namespace (inside a new user namespace when not root), so
// nothing here can touch the host's network, and everything vanishes when the process exits.
#include "lab/network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netlink/route/link/bridge.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lab/netlink.h"
#include "testing/prerequisite.h"

namespace firedrill {
namespace {

// How long a test waits for a TCP connection or an accept, in milliseconds.
constexpr int connect_ms_max = 2000;

// Whether main() managed to isolate the process; the lab tests skip (fail in CI) otherwise.
Status isolation = Status::error("not attempted");

std::string errno_text() {
  return std::strerror(errno);
}

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  file.close();
  if (!file) return Status::error("write " + path + ": " + errno_text());
  return Status::ok();
}

// Moves this process into a fresh network namespace: directly as root, otherwise inside a new user
// namespace in which this user is root. Must run before any thread exists.
Status isolate_process() {
  if (geteuid() == 0) return enter_fresh_network_namespace();
  const uid_t uid = geteuid();
  const gid_t gid = getegid();
  if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
    return Status::error("unshare(CLONE_NEWUSER | CLONE_NEWNET): " + errno_text());
  }
  if (Status status = write_file("/proc/self/setgroups", "deny"); !status) return status;
  if (Status status = write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n");
      !status) {
    return status;
  }
  return write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n");
}

// An owned file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

sockaddr_in socket_address(const std::string& address, int port) {
  sockaddr_in result{};
  result.sin_family = AF_INET;
  result.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, address.c_str(), &result.sin_addr);
  return result;
}

// A TCP socket bound to `address` (port chosen by the kernel) and, when `listening`, listening.
Result<Fd> bind_tcp(const std::string& address, bool listening) {
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Status::error("socket: " + errno_text());
  const sockaddr_in local = socket_address(address, 0);
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0) {
    return Status::error("bind " + address + ": " + errno_text());
  }
  if (listening && listen(fd.get(), 4) != 0) return Status::error("listen: " + errno_text());
  return fd;
}

int local_port(const Fd& fd) {
  sockaddr_in local{};
  socklen_t size = sizeof(local);
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &size);
  return ntohs(local.sin_port);
}

// A TCP connection to address:port from the calling thread's namespace, within connect_ms_max.
Result<Fd> connect_tcp(const std::string& address, int port) {
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Status::error("socket: " + errno_text());
  const timeval timeout{connect_ms_max / 1000, (connect_ms_max % 1000) * 1000};
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  const sockaddr_in remote = socket_address(address, port);
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&remote), sizeof(remote)) != 0) {
    return Status::error("connect " + address + ":" + std::to_string(port) + ": " + errno_text());
  }
  return fd;
}

// The connection waiting on `listener`, within connect_ms_max.
Result<Fd> accept_tcp(const Fd& listener) {
  pollfd ready{listener.get(), POLLIN, 0};
  if (poll(&ready, 1, connect_ms_max) != 1) return Status::error("accept: nothing within deadline");
  Fd fd(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (fd.get() < 0) return Status::error("accept: " + errno_text());
  return fd;
}

// Opens a socket with `open` inside `node`'s network namespace and hands it out.
Result<Fd> open_in(const LabNetwork& lab, const std::string& node, const std::function<Result<Fd>()>& open) {
  Fd opened;
  Status status = lab.run_in(node, [&]() -> Status {
    Result<Fd> fd = open();
    if (!fd) return fd.status();
    opened = std::move(*fd);
    return Status::ok();
  });
  if (!status) return status;
  return opened;
}


// The "a.b.c.d/n" addresses on link `name` of the calling thread's namespace, through libnl.
Result<std::set<std::string>> ipv4_addresses_of(const std::string& name) {
  Result<netlink::Socket> socket = netlink::connect_route_socket();
  if (!socket) return socket.status();
  Result<int> index = netlink::link_index(socket->get(), name);
  if (!index) return index.status();
  nl_cache* raw = nullptr;
  if (Status status = netlink::check(rtnl_addr_alloc_cache(socket->get(), &raw), "addr cache");
      !status) {
    return status;
  }
  netlink::Cache cache(raw);
  std::set<std::string> addresses;
  for (nl_object* object = nl_cache_get_first(cache.get()); object != nullptr;
       object = nl_cache_get_next(object)) {
    auto* address = reinterpret_cast<rtnl_addr*>(object);
    if (rtnl_addr_get_ifindex(address) != *index || rtnl_addr_get_family(address) != AF_INET) {
      continue;
    }
    char text[64] = {};
    nl_addr2str(rtnl_addr_get_local(address), text, sizeof(text));
    addresses.insert(text);
  }
  return addresses;
}

// The inode numbers of the network namespaces this process holds fds of.
std::set<ino_t> held_network_namespaces() {
  std::set<ino_t> inodes;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    const std::string target = std::filesystem::read_symlink(entry.path(), error).string();
    if (!error && target.rfind("net:[", 0) == 0) inodes.insert(std::stoull(target.substr(5)));
  }
  return inodes;
}

LabNetworkSpec spec_of(std::vector<std::string> nodes) {
  LabNetworkSpec spec;
  spec.nodes = std::move(nodes);
  return spec;
}

std::string create_error(const LabNetworkSpec& spec) {
  Result<std::unique_ptr<LabNetwork>> lab = LabNetwork::create(spec);
  return lab ? std::string("(created)") : lab.status().message();
}

// --- Spec validation: no privileges needed, nothing is built. ---

TEST(LabNetworkSpecTest, BadSubnetIsNamedInTheError) {
  for (const std::string subnet : {"198.18.0.0/33", "198.18.0.0", "300.18.0.0/24", "198.18.0.7/24",
                                   "127.0.0.0/8", "198.18.0.0/x", "198.18.0.0/31"}) {
    LabNetworkSpec spec = spec_of({"a"});
    spec.subnet = subnet;
    const std::string error = create_error(spec);
    EXPECT_NE(error.find("subnet \"" + subnet + "\""), std::string::npos) << error;
  }
}

TEST(LabNetworkSpecTest, DuplicateNodeIsRefused) {
  const std::string error = create_error(spec_of({"ledger-1", "ledger-2", "ledger-1"}));
  EXPECT_NE(error.find("node \"ledger-1\": listed twice"), std::string::npos) << error;
}

TEST(LabNetworkSpecTest, BadNodeNamesAndCountsAreRefused) {
  EXPECT_NE(create_error(spec_of({"Ledger"})).find("node \"Ledger\""), std::string::npos);
  EXPECT_NE(create_error(spec_of({std::string(33, 'a')})).find("longer than 32"),
            std::string::npos);
  LabNetworkSpec small = spec_of({"a", "b"});
  small.subnet = "198.18.0.0/30";
  EXPECT_NE(create_error(small).find("has addresses for 1 nodes"), std::string::npos);
  LabNetworkSpec bad_bridge = spec_of({"a"});
  bad_bridge.bridge = "a-bridge-name-too-long";
  EXPECT_NE(create_error(bad_bridge).find("bridge \"a-bridge-name-too-long\""), std::string::npos);
}

TEST(LabNetworkSpecTest, HostVethNamesFitAndDiffer) {
  EXPECT_EQ(host_veth_name("ledger-1"), "v-ledger-1");
  const std::string long_a = "payments-ledger-replica-0000001";
  const std::string long_b = "payments-ledger-replica-0000002";
  EXPECT_EQ(host_veth_name(long_a).size(), 15u);
  EXPECT_NE(host_veth_name(long_a), host_veth_name(long_b));
  EXPECT_EQ(host_veth_name(long_a), host_veth_name(long_a));
}

// --- The lab itself: real namespaces, in this process's own network namespace. ---

class LabNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FIREDRILL_REQUIRE(
        isolation.is_ok(),
        "root or unprivileged user namespaces, to isolate the test in a fresh network "
        "namespace: "
            << isolation.message());
  }

  std::unique_ptr<LabNetwork> make_lab(std::vector<std::string> nodes) {
    Result<std::unique_ptr<LabNetwork>> lab = LabNetwork::create(spec_of(std::move(nodes)));
    EXPECT_TRUE(lab.is_ok()) << lab.status().message();
    return lab ? std::move(*lab) : nullptr;
  }
};

// Three nodes, one of them with a name too long for "v-<node>".
const std::vector<std::string> three_nodes = {"ledger-1", "ledger-2", "payments-gateway-replica-3"};

TEST_F(LabNetworkTest, NodesGetTheirAddressesInOrder) {
  std::unique_ptr<LabNetwork> lab = make_lab(three_nodes);
  ASSERT_TRUE(lab);
  EXPECT_EQ(lab->controller_address(), "198.18.0.1");
  EXPECT_EQ(lab->prefix_length(), 24);
  ASSERT_EQ(lab->nodes().size(), 3u);
  for (std::size_t i = 0; i < three_nodes.size(); ++i) {
    const NodeNetwork& node = lab->node(three_nodes[i]);
    EXPECT_EQ(node.address, "198.18.0." + std::to_string(2 + i));
    EXPECT_EQ(node.node_veth, "eth0");
    EXPECT_LE(node.host_veth.size(), 15u);
    EXPECT_EQ(node.host_veth, host_veth_name(node.node));
  }
  // The controller holds .1 on the bridge; its namespace has no node address.
  Result<std::set<std::string>> bridge_addresses = ipv4_addresses_of(lab->bridge());
  ASSERT_TRUE(bridge_addresses) << bridge_addresses.status().message();
  EXPECT_EQ(*bridge_addresses, std::set<std::string>{"198.18.0.1/24"});
  EXPECT_FALSE(bind_tcp("198.18.0.2", false));

  for (const NodeNetwork& node : lab->nodes()) {
    const std::string other = node.node == "ledger-1" ? "198.18.0.3" : "198.18.0.2";
    Status status = lab->run_in(node.node, [&node, &other]() -> Status {
      Result<std::set<std::string>> addresses = ipv4_addresses_of("eth0");
      if (!addresses) return addresses.status();
      if (*addresses != std::set<std::string>{node.address + "/24"}) {
        return Status::error("eth0 does not hold exactly " + node.address + "/24");
      }
      if (Result<Fd> bound = bind_tcp(node.address, false); !bound) return bound.status();
      if (bind_tcp(other, false)) return Status::error("could bind another node's " + other);
      return Status::ok();
    });
    EXPECT_TRUE(status) << node.node << ": " << status.message();
  }
}

TEST_F(LabNetworkTest, ControllerConnectsToANode) {
  std::unique_ptr<LabNetwork> lab = make_lab(three_nodes);
  ASSERT_TRUE(lab);
  const NodeNetwork& target = lab->node("ledger-2");
  Result<Fd> listener = open_in(*lab, target.node, [&] { return bind_tcp(target.address, true); });
  ASSERT_TRUE(listener) << listener.status().message();
  Result<Fd> client = connect_tcp(target.address, local_port(*listener));
  ASSERT_TRUE(client) << client.status().message();
  Result<Fd> server = accept_tcp(*listener);
  ASSERT_TRUE(server) << server.status().message();
  // The connection came from the controller's address on the bridge.
  sockaddr_in peer{};
  socklen_t size = sizeof(peer);
  getpeername(server->get(), reinterpret_cast<sockaddr*>(&peer), &size);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &peer.sin_addr, text, sizeof(text));
  EXPECT_EQ(std::string(text), lab->controller_address());
}

TEST_F(LabNetworkTest, NodeConnectsToAnotherNode) {
  std::unique_ptr<LabNetwork> lab = make_lab(three_nodes);
  ASSERT_TRUE(lab);
  const NodeNetwork& server_node = lab->node("ledger-1");
  const NodeNetwork& client_node = lab->node("payments-gateway-replica-3");
  Result<Fd> listener = open_in(*lab, server_node.node, [&] { return bind_tcp(server_node.address, true); });
  ASSERT_TRUE(listener) << listener.status().message();
  const int port = local_port(*listener);
  Result<Fd> client = open_in(*lab, client_node.node, [&] { return connect_tcp(server_node.address, port); });
  ASSERT_TRUE(client) << client.status().message();
  Result<Fd> server = accept_tcp(*listener);
  ASSERT_TRUE(server) << server.status().message();
  ASSERT_EQ(write(client->get(), "x", 1), 1);
  char byte = 0;
  ASSERT_EQ(read(server->get(), &byte, 1), 1);
  EXPECT_EQ(byte, 'x');
}

TEST_F(LabNetworkTest, SecondLabInTheSameNamespaceIsRefused) {
  std::unique_ptr<LabNetwork> lab = make_lab({"a"});
  ASSERT_TRUE(lab);
  LabNetworkSpec other = spec_of({"b"});
  other.bridge = "fdbr1";
  const std::string error = create_error(other);
  EXPECT_NE(error.find("not fresh"), std::string::npos) << error;
}

TEST_F(LabNetworkTest, DestructionRemovesLinksAndReleasesNamespaces) {
  std::unique_ptr<LabNetwork> lab = make_lab(three_nodes);
  ASSERT_TRUE(lab);
  std::vector<std::string> links = {lab->bridge()};
  std::set<ino_t> namespaces;
  for (const NodeNetwork& node : lab->nodes()) {
    links.push_back(node.host_veth);
    struct stat info {};
    ASSERT_EQ(fstat(lab->netns_fd(node.node), &info), 0);
    namespaces.insert(info.st_ino);
  }
  ASSERT_EQ(namespaces.size(), 3u);
  const std::set<ino_t> held = held_network_namespaces();
  for (ino_t inode : namespaces) EXPECT_TRUE(held.count(inode)) << inode;

  Result<netlink::Socket> socket = netlink::connect_route_socket();
  ASSERT_TRUE(socket) << socket.status().message();
  for (const std::string& link : links) {
    EXPECT_TRUE(netlink::get_link(socket->get(), link)) << link;
  }
  lab.reset();
  for (const std::string& link : links) {
    EXPECT_FALSE(netlink::get_link(socket->get(), link)) << link << " is still there";
  }
  const std::set<ino_t> still_held = held_network_namespaces();
  for (ino_t inode : namespaces) EXPECT_FALSE(still_held.count(inode)) << inode;
}

TEST_F(LabNetworkTest, DestructionToleratesLinksAlreadyGone) {
  std::unique_ptr<LabNetwork> lab = make_lab(three_nodes);
  ASSERT_TRUE(lab);
  Result<netlink::Socket> socket = netlink::connect_route_socket();
  ASSERT_TRUE(socket) << socket.status().message();
  const std::string gone = lab->node("ledger-2").host_veth;
  ASSERT_TRUE(netlink::delete_link(socket->get(), gone));
  EXPECT_TRUE(netlink::delete_link(socket->get(), gone)) << "deleting twice counts as done";
  const std::string bridge = lab->bridge();
  const std::string other = lab->node("ledger-1").host_veth;
  lab.reset();
  EXPECT_FALSE(netlink::get_link(socket->get(), bridge));
  EXPECT_FALSE(netlink::get_link(socket->get(), other));
}

TEST_F(LabNetworkTest, FailedCreateRemovesWhatItBuiltAndNothingElse) {
  // A down link already called like node b's host veth: the namespace still counts as fresh, and
  // creating node b's veth fails after the bridge and node a's veth exist.
  Result<netlink::Socket> socket = netlink::connect_route_socket();
  ASSERT_TRUE(socket) << socket.status().message();
  netlink::Link squatter(rtnl_link_bridge_alloc());
  rtnl_link_set_name(squatter.get(), host_veth_name("b").c_str());
  ASSERT_TRUE(netlink::check(rtnl_link_add(socket->get(), squatter.get(), NLM_F_CREATE), "add"));

  const std::string error = create_error(spec_of({"a", "b"}));
  EXPECT_NE(error.find("node b: rtnl_link_add veth v-b"), std::string::npos) << error;
  EXPECT_FALSE(netlink::get_link(socket->get(), "fdbr0"));
  EXPECT_FALSE(netlink::get_link(socket->get(), host_veth_name("a")));
  EXPECT_TRUE(netlink::get_link(socket->get(), host_veth_name("b"))) << "not the lab's to remove";
  EXPECT_TRUE(netlink::delete_link(socket->get(), host_veth_name("b")));
}

TEST_F(LabNetworkTest, FiveNodeCreateAndDestroyTime) {
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<LabNetwork> lab = make_lab({"n1", "n2", "n3", "n4", "n5"});
  ASSERT_TRUE(lab);
  const auto created = std::chrono::steady_clock::now();
  lab.reset();
  const auto end = std::chrono::steady_clock::now();
  const auto ms = [](auto duration) {
    return std::chrono::duration_cast<std::chrono::microseconds>(duration).count() / 1000.0;
  };
  std::cout << "lab network, 5 nodes: create " << ms(created - start) << " ms, destroy "
            << ms(end - created) << " ms, total " << ms(end - start) << " ms (target < 500 ms)"
            << std::endl;
}

}  // namespace
}  // namespace firedrill

// Isolates the process before gtest starts (it must still be single-threaded), so this binary
// has its own main() instead of gtest_main's, which the linker then leaves out.
int main(int argc, char** argv) {
  firedrill::isolation = firedrill::isolate_process();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
