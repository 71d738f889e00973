// Tests of the network faults (faults/network/): real namespaces, a real lab network, blackhole
// routes, link states and TBF qdiscs read back through netlink, and TCP connections across them.
// Also prints the injection latency (apply called → verified) of partition, isolate, bandwidth.
//
// This binary has its own main(): as root, before gtest starts any thread, it moves the whole
// process into a fresh network namespace, so nothing here can touch the host's network and
// everything vanishes when the process exits. Without root every test skips (fails in CI).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fault/fault_kinds.h"
#include "lab/netlink.h"
#include "lab/network.h"
#include "lab/changes/link_common.h"
#include "lab/lab_place.h"
#include "supervision/supervisor.h"
#include "testing/prerequisite.h"

namespace firedrill {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using lab_link::client_member;

// Whether main() managed to isolate the process; the tests skip (fail in CI) otherwise.
Status isolation = Status::error("not attempted");

// How long a test's own connect() waits for an answer, in milliseconds.
constexpr int test_connect_ms_max = 300;
// A port nothing listens on unless a test says so.
constexpr std::uint16_t closed_port = 9;

// An owned file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in socket_address(const std::string& address, std::uint16_t port) {
  sockaddr_in result{};
  result.sin_family = AF_INET;
  result.sin_port = htons(port);
  inet_pton(AF_INET, address.c_str(), &result.sin_addr);
  return result;
}

// The outcome of one apply or revert.
struct StepOutcome {
  Status status;
  boost::json::object evidence;
  std::chrono::microseconds elapsed{0};
};

class NetworkFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FIREDRILL_REQUIRE(geteuid() == 0, "root, to build a lab network");
    FIREDRILL_REQUIRE(isolation.is_ok(),
                      "a fresh network namespace for this test (" << isolation.message() << ")");
    LabNetworkSpec spec;
    spec.nodes = {"n1", "n2", "n3", "n4"};
    Result<std::unique_ptr<LabNetwork>> lab = LabNetwork::create(spec);
    ASSERT_TRUE(lab) << lab.status().message();
    lab_ = std::move(*lab);
    supervisor_.emplace(io_, [](const ProcessEvent&) {});
    // Names map to themselves; "role:primary" is n2. Answers come later from the io_context, as a
    // real resolver's would.
    auto resolve = [this](const std::string& target,
                          std::function<void(Result<std::string>)> next) {
      std::string node = target == "role:primary" ? "n2" : target;
      boost::asio::post(io_, [node, next = std::move(next)] { next(node); });
    };
    place_.emplace(io_, *supervisor_);
    place_->context().step_deadline = 2s;
    place_->context().network = lab_.get();
    context_.emplace(FaultContext{.io = io_, .place = *place_, .step_deadline = 2s, .resolve = std::move(resolve)});
  }

  void TearDown() override {
    context_.reset();
    place_.reset();
    supervisor_.reset();
    lab_.reset();
  }

  const std::string& address(const std::string& member) const {
    return lab_link::address_of(*lab_, member);
  }

  FaultSpec spec(const std::string& kind, std::map<std::string, ParameterValue> parameters = {}) {
    FaultSpec result;
    result.index = next_index_++;  // as in a scenario: each fault its own index (the place's ChangeId)
    result.kind = kind;
    result.parameters = std::move(parameters);
    return result;
  }

  std::unique_ptr<Fault> make(const FaultSpec& fault_spec, const std::string& node = "") {
    Result<std::unique_ptr<Fault>> fault = builtin_fault_kinds().make(fault_spec, node, *context_);
    EXPECT_TRUE(fault) << fault.status().message();
    return fault ? std::move(*fault) : nullptr;
  }

  // Runs one step to its report on this thread's io_context.
  StepOutcome run(const std::function<void(FaultDone)>& step) {
    std::optional<StepOutcome> outcome;
    const Clock::time_point started = Clock::now();
    io_.restart();
    step([&outcome, started](Status status, boost::json::object evidence) {
      outcome = StepOutcome{
          std::move(status), std::move(evidence),
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started)};
    });
    while (!outcome && io_.run_one() > 0) {
    }
    if (!outcome) return {Status::error("the step never reported"), {}, {}};
    // Let the step's cancelled timers complete, so the next step starts from a quiet io_context.
    io_.poll();
    return std::move(*outcome);
  }
  StepOutcome apply(Fault& fault) {
    return run([&fault](FaultDone done) { fault.apply(std::move(done)); });
  }
  StepOutcome revert(Fault& fault) {
    return run([&fault](FaultDone done) { fault.revert(std::move(done)); });
  }

  // The blackhole routes in `member`'s namespace.
  std::set<std::string> blackholes(const std::string& member) {
    std::set<std::string> found;
    Status read = lab_link::with_netlink(*lab_, member, [&found](nl_sock* socket) {
      Result<std::vector<std::string>> routes = netlink::blackhole_routes(socket);
      if (!routes) return routes.status();
      found.insert(routes->begin(), routes->end());
      return Status::ok();
    });
    EXPECT_TRUE(read) << read.message();
    return found;
  }

  std::set<std::string> blackholes_everywhere() {
    std::set<std::string> all;
    for (const std::string member : {"client", "n1", "n2", "n3", "n4"}) {
      for (const std::string& route : blackholes(member)) all.insert(member + " -> " + route);
    }
    return all;
  }

  // connect() from `from`'s namespace to `to`:port: 0 when connected, else the errno (ETIMEDOUT
  // when nothing answered within test_connect_ms_max).
  int connect_error(const std::string& from, const std::string& to,
                    std::uint16_t port = closed_port) {
    const sockaddr_in peer = socket_address(address(to), port);
    int error = -1;
    Status ran = lab_link::in_namespace(*lab_, from, [&error, &peer] {
      Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
      if (fd.get() < 0) return Status::error("socket");
      if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&peer), sizeof(peer)) == 0) {
        error = 0;
      } else if (errno != EINPROGRESS) {
        error = errno;
      } else {
        pollfd ready{fd.get(), POLLOUT, 0};
        if (poll(&ready, 1, test_connect_ms_max) != 1) {
          error = ETIMEDOUT;
        } else {
          socklen_t length = sizeof(error);
          getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
        }
      }
      return Status::ok();
    });
    EXPECT_TRUE(ran) << ran.message();
    return error;
  }

  // One connection a test expects: from `from` to `to` ends with `error` (see connect_error).
  struct Connection {
    std::string from;
    std::string to;
    int error;
  };
  void expect_connect_errors(const std::vector<Connection>& expected) {
    for (const Connection& c : expected) {
      EXPECT_EQ(connect_error(c.from, c.to), c.error) << c.from << " -> " << c.to;
    }
  }

  // The state of `member`'s own link and default route.
  struct LinkState {
    bool exists = false;
    bool up = false;
    bool default_route = false;
  };
  LinkState link_state(const std::string& member) {
    LinkState state;
    const std::string link = lab_link::own_link_of(*lab_, member);
    Status read = lab_link::with_netlink(*lab_, member, [&](nl_sock* socket) {
      Result<bool> exists = netlink::link_exists(socket, link);
      if (!exists) return exists.status();
      state.exists = *exists;
      if (!*exists) return Status::ok();
      Result<bool> up = netlink::link_is_up(socket, link);
      if (!up) return up.status();
      state.up = *up;
      Result<bool> route = netlink::has_default_route(socket);
      if (!route) return route.status();
      state.default_route = *route;
      return Status::ok();
    });
    EXPECT_TRUE(read) << read.message();
    return state;
  }

  // The root qdisc of link `link` in `member`'s namespace, if any besides the default.
  std::optional<netlink::QdiscInfo> root_qdisc(const std::string& member, const std::string& link) {
    std::optional<netlink::QdiscInfo> found;
    Status read = lab_link::with_netlink(*lab_, member, [&](nl_sock* socket) {
      Result<int> index = netlink::link_index(socket, link);
      if (!index) return index.status();
      Result<std::optional<netlink::QdiscInfo>> root = netlink::root_qdisc(socket, *index);
      if (!root) return root.status();
      found = *root;
      return Status::ok();
    });
    EXPECT_TRUE(read) << read.message();
    return found;
  }

  // Deletes `node`'s veth pair from inside its namespace, as if the node's link vanished.
  void delete_node_link(const std::string& node) {
    Status deleted = lab_link::with_netlink(
        *lab_, node, [](nl_sock* socket) { return netlink::delete_link(socket, "eth0"); });
    ASSERT_TRUE(deleted) << deleted.message();
  }

  // A TCP listener on `port` in `member`'s namespace (a failure is a test failure).
  Fd listen_in(const std::string& member, std::uint16_t port) {
    int listener = -1;
    Status listening = lab_link::in_namespace(*lab_, member, [&listener, port] {
      listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      const int yes = 1;
      setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
      const sockaddr_in local = socket_address("0.0.0.0", port);
      if (bind(listener, reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0 ||
          listen(listener, 8) != 0) {
        return Status::error(std::string("listen: ") + std::strerror(errno));
      }
      return Status::ok();
    });
    EXPECT_TRUE(listening) << listening.message();
    return Fd(listener);
  }

  // Sends `bytes` from `from` to a listener in `to`'s namespace and returns how long it took.
  std::chrono::milliseconds transfer_time(const std::string& from, const std::string& to,
                                          std::size_t bytes) {
    const std::uint16_t port = 7777;
    Fd listener_fd = listen_in(to, port);
    std::size_t received = 0;
    std::thread reader([&listener_fd, &received, bytes] {
      pollfd ready{listener_fd.get(), POLLIN, 0};
      if (poll(&ready, 1, 5000) != 1) return;
      Fd connection(accept(listener_fd.get(), nullptr, nullptr));
      std::vector<char> buffer(64 * 1024);
      while (received < bytes) {
        const ssize_t n = recv(connection.get(), buffer.data(), buffer.size(), 0);
        if (n <= 0) return;
        received += static_cast<std::size_t>(n);
      }
    });
    const sockaddr_in peer = socket_address(address(to), port);
    const Clock::time_point started = Clock::now();
    Status sent = lab_link::in_namespace(*lab_, from, [&peer, bytes] {
      Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&peer), sizeof(peer)) != 0) {
        return Status::error(std::string("connect: ") + std::strerror(errno));
      }
      std::vector<char> data(bytes, 'x');
      std::size_t offset = 0;
      while (offset < bytes) {
        const ssize_t n = send(fd.get(), data.data() + offset, bytes - offset, MSG_NOSIGNAL);
        if (n <= 0) return Status::error(std::string("send: ") + std::strerror(errno));
        offset += static_cast<std::size_t>(n);
      }
      return Status::ok();
    });
    reader.join();
    EXPECT_TRUE(sent) << sent.message();
    EXPECT_EQ(received, bytes);
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  }

  boost::asio::io_context io_;
  std::optional<Supervisor> supervisor_;
  std::optional<LabPlace> place_;
  int next_index_ = 0;
  std::optional<FaultContext> context_;
  std::unique_ptr<LabNetwork> lab_;
};

std::string json_text(const boost::json::object& object) {
  return boost::json::serialize(object);
}

// --- network.partition ---

TEST_F(NetworkFaultsTest, PartitionBothWaysCutsEveryPairAndRevertRemovesExactlyItsRoutes) {
  // A route that is already there is not the fault's: it survives the revert.
  const std::string preexisting = address("n3") + "/32";
  Status added = lab_link::with_netlink(*lab_, "n2", [&](nl_sock* socket) {
    return netlink::add_blackhole_route(socket, preexisting).status();
  });
  ASSERT_TRUE(added) << added.message();

  auto fault =
      make(spec("network.partition", {{"groups", NodeGroups{{"n1", "n2"}, {"n3", "client"}}}}));
  StepOutcome applied = apply(*fault);
  ASSERT_TRUE(applied.status) << applied.status.message();
  const std::string evidence = json_text(applied.evidence);
  EXPECT_NE(evidence.find("EINVAL"), std::string::npos) << evidence;
  EXPECT_EQ(applied.evidence.at("routes").as_array().size(), 7u) << evidence;
  EXPECT_EQ(applied.evidence.at("already_present").as_array().size(), 1u) << evidence;

  const std::string n1 = address("n1") + "/32", n2 = address("n2") + "/32",
                    n3 = address("n3") + "/32", client = address("client") + "/32";
  EXPECT_EQ(blackholes("n1"), (std::set<std::string>{n3, client}));
  EXPECT_EQ(blackholes("n2"), (std::set<std::string>{n3, client}));
  EXPECT_EQ(blackholes("n3"), (std::set<std::string>{n1, n2}));
  EXPECT_EQ(blackholes("client"), (std::set<std::string>{n1, n2}));
  EXPECT_TRUE(blackholes("n4").empty());
  // Across the cut: refused at once by the blackhole; within a group or from outside: reachable.
  expect_connect_errors({{"n1", "n3", EINVAL},
                         {"n3", "n2", EINVAL},
                         {"client", "n1", EINVAL},
                         {"n2", "client", EINVAL},
                         {"n1", "n2", ECONNREFUSED},
                         {"n3", "client", ECONNREFUSED},
                         {"n4", "n1", ECONNREFUSED},
                         {"n4", "n3", ECONNREFUSED}});

  StepOutcome reverted = revert(*fault);
  ASSERT_TRUE(reverted.status) << reverted.status.message();
  EXPECT_EQ(reverted.evidence.at("removed").as_array().size(), 7u);
  EXPECT_NE(json_text(reverted.evidence).find("ECONNREFUSED"), std::string::npos)
      << json_text(reverted.evidence);
  EXPECT_EQ(blackholes_everywhere(), (std::set<std::string>{"n2 -> " + preexisting}));
  expect_connect_errors(
      {{"n1", "n3", ECONNREFUSED}, {"client", "n1", ECONNREFUSED}, {"n3", "n1", ECONNREFUSED}});

  StepOutcome again = revert(*fault);
  EXPECT_TRUE(again.status) << again.status.message();
  EXPECT_TRUE(again.evidence.at("removed").as_array().empty());
  EXPECT_TRUE(lab_link::with_netlink(*lab_, "n2", [&](nl_sock* socket) {
    return netlink::delete_blackhole_route(socket, preexisting);
  }));
}

TEST_F(NetworkFaultsTest, PartitionOneWayFromClientInstallsRoutesOnlyOnTheFromSide) {
  auto fault = make(spec("network.partition",
                         {{"from", NodeGroups{{"client"}}}, {"to", NodeGroups{{"n1", "n2"}}}}));
  StepOutcome applied = apply(*fault);
  ASSERT_TRUE(applied.status) << applied.status.message();
  EXPECT_EQ(blackholes("client"),
            (std::set<std::string>{address("n1") + "/32", address("n2") + "/32"}));
  EXPECT_TRUE(blackholes("n1").empty());
  EXPECT_TRUE(blackholes("n2").empty());
  // n1 -> client: n1's SYN reaches the controller, but the answer is dropped: no refusal comes back.
  expect_connect_errors({{"client", "n1", EINVAL},
                         {"client", "n2", EINVAL},
                         {"n1", "client", ETIMEDOUT},
                         {"client", "n3", ECONNREFUSED},
                         {"n3", "n1", ECONNREFUSED}});

  StepOutcome reverted = revert(*fault);
  ASSERT_TRUE(reverted.status) << reverted.status.message();
  EXPECT_TRUE(blackholes_everywhere().empty());
  expect_connect_errors({{"client", "n1", ECONNREFUSED}, {"n1", "client", ECONNREFUSED}});
  EXPECT_TRUE(revert(*fault).status);
}

TEST_F(NetworkFaultsTest, PartitionOneWayResolvesRolesAndConnectsToAListener) {
  // A listener on the probe port in n3: the revert's probe then connects instead of being refused.
  Fd listener_fd = listen_in("n3", closed_port);
  ASSERT_FALSE(HasFailure());

  auto fault = make(spec("network.partition",
                         {{"from", NodeGroups{{"role:primary"}}}, {"to", NodeGroups{{"n3"}}}}));
  StepOutcome applied = apply(*fault);
  ASSERT_TRUE(applied.status) << applied.status.message();
  EXPECT_EQ(blackholes("n2"), (std::set<std::string>{address("n3") + "/32"}));
  EXPECT_EQ(blackholes_everywhere().size(), 1u);
  expect_connect_errors({{"n2", "n3", EINVAL}, {"n1", "n3", 0}});

  StepOutcome reverted = revert(*fault);
  ASSERT_TRUE(reverted.status) << reverted.status.message();
  EXPECT_NE(json_text(reverted.evidence).find("\"connected\""), std::string::npos)
      << json_text(reverted.evidence);
  EXPECT_TRUE(blackholes_everywhere().empty());
}

TEST_F(NetworkFaultsTest, PartitionRefusesBadGroupsAndInstallsNothing) {
  const std::vector<std::pair<std::map<std::string, ParameterValue>, std::string>> cases = {
      {{{"groups", NodeGroups{{"n1", "n2"}}}}, "at least two groups"},
      {{{"groups", NodeGroups{{"n1"}, {"n1", "n2"}}}}, "member n1 is in more than one group"},
      {{{"groups", NodeGroups{{"n1"}, {"role:primary", "n2"}}}},
       "member n2 is in more than one group"},
      {{{"groups", NodeGroups{{"n1"}, {"ledger-9"}}}}, "member ledger-9 is not a node of the lab"},
      {{{"groups", NodeGroups{{"n1"}, {}}}}, "a group is empty"},
      {{{"from", NodeGroups{{"n1"}}}}, "give either `groups` or both `from` and `to`"},
      {{}, "give either `groups` or both `from` and `to`"},
  };
  for (const auto& [parameters, expected] : cases) {
    auto fault = make(spec("network.partition", parameters));
    StepOutcome applied = apply(*fault);
    EXPECT_FALSE(applied.status);
    EXPECT_NE(applied.status.message().find("network.partition.apply: "), std::string::npos);
    EXPECT_NE(applied.status.message().find(expected), std::string::npos)
        << applied.status.message();
    EXPECT_TRUE(revert(*fault).status);
  }
  EXPECT_TRUE(blackholes_everywhere().empty());
}

TEST_F(NetworkFaultsTest, PartitionFailsAtTheDeadlineWhenAMemberNeverResolves) {
  context_->step_deadline = 100ms;
  context_->resolve = [](const std::string&, std::function<void(Result<std::string>)>) {};
  auto fault = make(spec("network.partition", {{"groups", NodeGroups{{"n1"}, {"role:x"}}}}));
  StepOutcome applied = apply(*fault);
  EXPECT_FALSE(applied.status);
  EXPECT_NE(applied.status.message().find("not verified before the step deadline (100 ms)"),
            std::string::npos)
      << applied.status.message();
  EXPECT_GE(applied.elapsed, 100ms);
  EXPECT_TRUE(revert(*fault).status);
  EXPECT_TRUE(blackholes_everywhere().empty());
}

TEST_F(NetworkFaultsTest, PartitionRevertSucceedsWhenAMembersLinkIsGone) {
  auto fault = make(spec("network.partition", {{"groups", NodeGroups{{"n1"}, {"n2"}}}}));
  ASSERT_TRUE(apply(*fault).status);
  delete_node_link("n2");
  StepOutcome reverted = revert(*fault);
  ASSERT_TRUE(reverted.status) << reverted.status.message();
  EXPECT_NE(json_text(reverted.evidence).find("skipped"), std::string::npos)
      << json_text(reverted.evidence);
  EXPECT_TRUE(blackholes_everywhere().empty());
}

// --- network.isolate ---

TEST_F(NetworkFaultsTest, IsolateTakesTheLinkDownAndRevertRestoresLinkAndDefaultRoute) {
  ASSERT_TRUE(link_state("n1").default_route);
  auto fault = make(spec("network.isolate"), "n1");
  StepOutcome applied = apply(*fault);
  ASSERT_TRUE(applied.status) << applied.status.message();
  EXPECT_EQ(applied.evidence.at("state").as_string(), "down") << json_text(applied.evidence);
  LinkState down = link_state("n1");
  EXPECT_FALSE(down.up);
  EXPECT_FALSE(down.default_route) << "the kernel flushes routes through a link that goes down";
  EXPECT_NE(connect_error("client", "n1"), ECONNREFUSED);
  EXPECT_NE(connect_error("n2", "n1"), ECONNREFUSED);
  expect_connect_errors({{"n1", "client", ENETUNREACH}, {"n2", "n3", ECONNREFUSED}});

  StepOutcome reverted = revert(*fault);
  ASSERT_TRUE(reverted.status) << reverted.status.message();
  EXPECT_TRUE(reverted.evidence.at("default_route_restored").as_bool());
  LinkState up = link_state("n1");
  EXPECT_TRUE(up.up);
  EXPECT_TRUE(up.default_route);
  expect_connect_errors(
      {{"client", "n1", ECONNREFUSED}, {"n1", "client", ECONNREFUSED}, {"n1", "n4", ECONNREFUSED}});

  StepOutcome again = revert(*fault);
  EXPECT_TRUE(again.status) << again.status.message();
  EXPECT_FALSE(again.evidence.at("restored").as_bool());
}

TEST_F(NetworkFaultsTest, IsolateRevertSucceedsWhenTheLinkIsGone) {
  auto fault = make(spec("network.isolate"), "n3");
  ASSERT_TRUE(apply(*fault).status);
  delete_node_link("n3");
  StepOutcome reverted = revert(*fault);
  ASSERT_TRUE(reverted.status) << reverted.status.message();
  EXPECT_TRUE(reverted.evidence.at("gone").as_bool());
  EXPECT_TRUE(revert(*fault).status);
}

TEST_F(NetworkFaultsTest, IsolateRefusesTheClientAndUnknownNodes) {
  for (const std::string node : {"client", "ledger-9"}) {
    auto fault = make(spec("network.isolate"), node);
    StepOutcome applied = apply(*fault);
    EXPECT_FALSE(applied.status);
    EXPECT_NE(applied.status.message().find("network.isolate.apply: node " + node +
                                            ": not a node of the lab"),
              std::string::npos)
        << applied.status.message();
    EXPECT_TRUE(revert(*fault).status);
  }
}

// --- network.bandwidth ---

TEST_F(NetworkFaultsTest, BandwidthShapesBothDirectionsAndRevertRemovesBothQdiscs) {
  const std::string host_veth = lab_->node("n1").host_veth;
  const std::size_t bytes = 300 * 1024;
  const auto unshaped = transfer_time("n1", "client", bytes);

  auto fault = make(spec("network.bandwidth", {{"rate", int64_t{4'000'000}}}), "n1");
  StepOutcome applied = apply(*fault);
  ASSERT_TRUE(applied.status) << applied.status.message();
  for (const auto& [member, link] :
       {std::pair<std::string, std::string>{"n1", "eth0"}, {"client", host_veth}}) {
    std::optional<netlink::QdiscInfo> root = root_qdisc(member, link);
    ASSERT_TRUE(root) << member << " " << link;
    EXPECT_EQ(root->kind, "tbf");
    EXPECT_EQ(root->tbf_rate_bytes_per_s, 500'000);
  }
  const auto& parameters = applied.evidence.at("parameters").as_object();
  EXPECT_EQ(parameters.at("rate_bits_per_s").to_number<int64_t>(), 4'000'000);
  EXPECT_EQ(parameters.at("burst_bytes").to_number<int64_t>(), 16 * 1024);
  // 300 KiB at 500 kB/s, less the 16 KiB bucket: about 0.58 s each way.
  const auto egress = transfer_time("n1", "client", bytes);
  const auto ingress = transfer_time("client", "n1", bytes);
  std::cout << "300 KiB transfer: unshaped " << unshaped.count() << " ms; at 4 mbit/s: out of n1 "
            << egress.count() << " ms, into n1 " << ingress.count() << " ms" << std::endl;
  EXPECT_GE(egress, 400ms);
  EXPECT_GE(ingress, 400ms);

  // A second qdisc fault on the same node is refused, and its revert leaves the first in place.
  auto second = make(spec("network.bandwidth", {{"rate", int64_t{1'000'000}}}), "n1");
  StepOutcome refused = apply(*second);
  EXPECT_FALSE(refused.status);
  EXPECT_TRUE(revert(*second).status);
  EXPECT_TRUE(root_qdisc("n1", "eth0"));
  EXPECT_TRUE(root_qdisc("client", host_veth));

  StepOutcome reverted = revert(*fault);
  ASSERT_TRUE(reverted.status) << reverted.status.message();
  EXPECT_FALSE(root_qdisc("n1", "eth0"));
  EXPECT_FALSE(root_qdisc("client", host_veth));
  EXPECT_LT(transfer_time("n1", "client", bytes), 500ms) << "shaped, it takes over 600 ms";
  EXPECT_TRUE(revert(*fault).status);
}

TEST_F(NetworkFaultsTest, BandwidthRevertSucceedsWhenTheLinkIsGone) {
  auto fault = make(spec("network.bandwidth", {{"rate", int64_t{1'000'000}}}), "n2");
  ASSERT_TRUE(apply(*fault).status);
  delete_node_link("n2");
  StepOutcome reverted = revert(*fault);
  ASSERT_TRUE(reverted.status) << reverted.status.message();
  EXPECT_EQ(reverted.evidence.at("links_gone").as_array().size(), 2u)
      << json_text(reverted.evidence);
  EXPECT_TRUE(revert(*fault).status);
}

TEST_F(NetworkFaultsTest, BandwidthRefusesARateOutOfRange) {
  for (int64_t rate : {int64_t{0}, int64_t{4}, int64_t{20'000'000'000}}) {
    auto fault = make(spec("network.bandwidth", {{"rate", rate}}), "n1");
    StepOutcome applied = apply(*fault);
    EXPECT_FALSE(applied.status);
    EXPECT_NE(applied.status.message().find("network.bandwidth.apply: node n1: rate "),
              std::string::npos)
        << applied.status.message();
    EXPECT_TRUE(revert(*fault).status);
  }
  EXPECT_FALSE(root_qdisc("n1", "eth0"));
}

// --- network.delay / network.loss ---

TEST_F(NetworkFaultsTest, DelayAndLossNeedNetemAndSayWhenTheKernelLacksIt) {
  const Status netem = netem_available();
  auto delay = make(spec("network.delay", {{"delay", Milliseconds{50}}}), "n1");
  auto loss = make(spec("network.loss", {{"percent", int64_t{100}}}), "n1");
  if (!netem) {
    std::cout << "netem_available: " << netem.message() << std::endl;
    EXPECT_NE(netem.message().find("this kernel lacks netem (CONFIG_NET_SCH_NETEM)"),
              std::string::npos)
        << netem.message();
    for (Fault* fault : {delay.get(), loss.get()}) {
      StepOutcome applied = apply(*fault);
      EXPECT_FALSE(applied.status);
      EXPECT_NE(applied.status.message().find("this kernel lacks netem (CONFIG_NET_SCH_NETEM)"),
                std::string::npos)
          << applied.status.message();
      EXPECT_TRUE(revert(*fault).status);
    }
    EXPECT_FALSE(root_qdisc("n1", "eth0"));
    return;
  }
  // A kernel with netem: the qdisc is listed while applied, gone after the revert.
  for (Fault* fault : {delay.get(), loss.get()}) {
    StepOutcome applied = apply(*fault);
    ASSERT_TRUE(applied.status) << applied.status.message();
    std::optional<netlink::QdiscInfo> root = root_qdisc("n1", "eth0");
    ASSERT_TRUE(root);
    EXPECT_EQ(root->kind, "netem");
    if (fault == loss.get()) {
      EXPECT_NE(connect_error("n1", "n2"), ECONNREFUSED);
    }
    StepOutcome reverted = revert(*fault);
    ASSERT_TRUE(reverted.status) << reverted.status.message();
    EXPECT_FALSE(root_qdisc("n1", "eth0"));
    EXPECT_TRUE(revert(*fault).status);
  }
}

TEST_F(NetworkFaultsTest, DelayAndLossRefuseParametersOutOfRange) {
  auto delay = make(spec("network.delay", {{"delay", Milliseconds{0}}}), "n1");
  auto loss = make(spec("network.loss", {{"percent", int64_t{101}}}), "n1");
  EXPECT_NE(apply(*delay).status.message().find("network.delay.apply: node n1: delay 0 ms"),
            std::string::npos);
  EXPECT_NE(apply(*loss).status.message().find("network.loss.apply: node n1: percent 101"),
            std::string::npos);
}

// --- injection latency ---

struct Percentiles {
  double median_ms = 0;
  double p99_ms = 0;
};

Percentiles percentiles(std::vector<std::chrono::microseconds> samples) {
  std::sort(samples.begin(), samples.end());
  const auto at = [&samples](double q) {
    const std::size_t index = std::min(
        samples.size() - 1, static_cast<std::size_t>(q * static_cast<double>(samples.size())));
    return static_cast<double>(samples[index].count()) / 1000.0;
  };
  return {at(0.5), at(0.99)};
}

TEST_F(NetworkFaultsTest, InjectionLatency) {
  constexpr int rounds = 50;
  struct Kind {
    const char* name;
    FaultSpec spec;
    std::string node;
  };
  const std::vector<Kind> kinds = {
      {"partition [[n1,n2],[n3,client]]",
       spec("network.partition", {{"groups", NodeGroups{{"n1", "n2"}, {"n3", "client"}}}}), ""},
      {"partition one way client -> n1",
       spec("network.partition", {{"from", NodeGroups{{"client"}}}, {"to", NodeGroups{{"n1"}}}}),
       ""},
      {"isolate n1", spec("network.isolate"), "n1"},
      {"bandwidth n1 10mbit", spec("network.bandwidth", {{"rate", int64_t{10'000'000}}}), "n1"},
  };
  for (const Kind& kind : kinds) {
    std::vector<std::chrono::microseconds> applies;
    std::vector<std::chrono::microseconds> reverts;
    for (int round = 0; round < rounds; ++round) {
      auto fault = make(kind.spec, kind.node);
      StepOutcome applied = apply(*fault);
      ASSERT_TRUE(applied.status) << kind.name << ": " << applied.status.message();
      StepOutcome reverted = revert(*fault);
      ASSERT_TRUE(reverted.status) << kind.name << ": " << reverted.status.message();
      applies.push_back(applied.elapsed);
      reverts.push_back(reverted.elapsed);
    }
    if (std::getenv("FIREDRILL_LATENCY_SAMPLES") != nullptr) {
      for (std::size_t i = 0; i < applies.size(); ++i) {
        std::cout << "  " << i << ": apply " << applies[i].count() << " us, revert "
                  << reverts[i].count() << " us" << std::endl;
      }
    }
    const Percentiles apply_ms = percentiles(applies);
    const Percentiles revert_ms = percentiles(reverts);
    std::cout << "injection latency, " << kind.name << " (" << rounds << " rounds): apply median "
              << apply_ms.median_ms << " ms, p99 " << apply_ms.p99_ms << " ms; revert median "
              << revert_ms.median_ms << " ms, p99 " << revert_ms.p99_ms << " ms" << std::endl;
    // Speed is a benchmark's figure (injection_latency_bench), never a pass/fail in a test.
  }
  EXPECT_TRUE(blackholes_everywhere().empty());
}

}  // namespace
}  // namespace firedrill

// Isolates the process before gtest starts (it must still be single-threaded), so this binary
// has its own main() instead of gtest_main's, which the linker then leaves out.
int main(int argc, char** argv) {
  if (geteuid() == 0) {
    firedrill::isolation = firedrill::enter_fresh_network_namespace();
  } else {
    firedrill::isolation = firedrill::Status::error("not root");
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
