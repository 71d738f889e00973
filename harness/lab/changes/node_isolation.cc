// network.isolate: the node's eth0 goes down; see lab_links.h.
#include "lab/netlink.h"
#include "lab/changes/link_common.h"

namespace firedrill {
namespace {

using namespace lab_link;

class NodeIsolation : public LabChange {
 public:
  NodeIsolation(std::string node, LabContext& context) : node_(std::move(node)), context_(context) {}

  void apply(PlaceDone done) override {
    auto step = Step::start(context_, "network.isolate.apply: node " + node_, std::move(done));
    if (context_.network == nullptr) return step->fail("the lab has no network");
    if (node_ == client_member || !is_member(*context_.network, node_)) {
      return step->fail("not a node of the lab");
    }
    const std::string link = own_link_of(*context_.network, node_);
    step->evidence() = {{"node", node_}, {"link", link}};
    Status downed = with_netlink(*context_.network, node_, [&](nl_sock* socket) {
      Result<bool> up = netlink::link_is_up(socket, link);
      if (!up) return up.status();
      Result<bool> default_route = netlink::has_default_route(socket);
      if (!default_route) return default_route.status();
      if (!*up) return Status::ok();  // down already: not this fault's to bring up again
      had_default_route_ = *default_route;
      downed_ = true;  // recorded first: a revert after a failure below sets it up again
      return netlink::set_link_down(socket, link);
    });
    if (!downed) return step->finish_with(downed);
    if (!downed_) step->evidence()["already_down"] = true;
    step->evidence()["had_default_route"] = had_default_route_;
    verify_cut(step);
  }

  void revert(PlaceDone done) override {
    auto step = Step::start(context_, "network.isolate.revert: node " + node_, std::move(done));
    step->evidence() = {{"node", node_}};
    if (!downed_ || context_.network == nullptr) {
      step->evidence()["restored"] = false;
      return step->finish(Status::ok());
    }
    const std::string link = own_link_of(*context_.network, node_);
    bool gone = false;
    bool route_added = false;
    Status restored = with_netlink(*context_.network, node_, [&](nl_sock* socket) {
      Result<bool> exists = netlink::link_exists(socket, link);
      if (!exists) return exists.status();
      if (!*exists) {
        gone = true;
        return Status::ok();
      }
      if (Status up = netlink::set_link_up(socket, link); !up) return up;
      // The kernel flushed the routes through the link when it went down; the connected route
      // comes back with the link, the default route does not.
      Result<bool> default_route = netlink::has_default_route(socket);
      if (!default_route) return default_route.status();
      if (!had_default_route_ || *default_route) return Status::ok();
      Result<int> index = netlink::link_index(socket, link);
      if (!index) return index.status();
      route_added = true;
      return netlink::add_default_route(socket, *index, context_.network->controller_address());
    });
    if (!restored) return step->finish_with(restored);
    downed_ = false;
    step->evidence()["default_route_restored"] = route_added;
    if (gone) {
      step->evidence()["gone"] = true;
      return step->finish(Status::ok());
    }
    verify_reachable(step);
  }

 private:
  // Reads the link state and the default route inside the node's namespace.
  Status read_state(bool& up, bool& default_route) const {
    return with_netlink(*context_.network, node_, [&](nl_sock* socket) {
      Result<bool> state = netlink::link_is_up(socket, own_link_of(*context_.network, node_));
      if (!state) return state.status();
      Result<bool> route = netlink::has_default_route(socket);
      if (!route) return route.status();
      up = *state;
      default_route = *route;
      return Status::ok();
    });
  }

  // Verifies the apply: the link is down and the controller cannot reach the node.
  void verify_cut(const std::shared_ptr<Step>& step) {
    bool up = true;
    bool default_route = false;
    if (Status read = read_state(up, default_route); !read) return step->finish_with(read);
    step->evidence()["state"] = up ? "up" : "down";
    if (up) {
      step->observed("link still up");
      return step->retry([this, step] { verify_cut(step); });
    }
    probe(step, /*want_reachable=*/false);
  }

  // Verifies the revert: the link is up, the default route back, and the node reachable.
  void verify_reachable(const std::shared_ptr<Step>& step) {
    bool up = false;
    bool default_route = false;
    if (Status read = read_state(up, default_route); !read) return step->finish_with(read);
    step->evidence()["state"] = up ? "up" : "down";
    step->evidence()["default_route"] = default_route;
    if (!up || (had_default_route_ && !default_route)) {
      step->observed(up ? "no default route" : "link still down");
      return step->retry([this, step] { verify_reachable(step); });
    }
    probe(step, /*want_reachable=*/true);
  }

  // A connect() from the controller to the node: refused or connected when `want_reachable`,
  // failed or timed out otherwise.
  void probe(const std::shared_ptr<Step>& step, bool want_reachable) {
    const std::string& address = address_of(*context_.network, node_);
    probe_connect(context_, client_member, address, probe_timeout_ms,
                  [this, step, address, want_reachable](Result<ProbeResult> result) {
                    if (step->finished()) return;
                    if (!result) return step->finish_with(result.status());
                    step->evidence()["probe"] =
                        probe_evidence(client_member, node_, address, *result);
                    if (result->reachable() == want_reachable) return step->finish(Status::ok());
                    step->observed("probe client -> " + node_ + ": " + result->text());
                    step->retry([this, step, want_reachable] {
                      want_reachable ? verify_reachable(step) : verify_cut(step);
                    });
                  });
  }

  std::string node_;
  LabContext& context_;
  // This fault set the link down (and must set it up again).
  bool downed_ = false;
  // The node had a default route before, which the kernel flushed with the link.
  bool had_default_route_ = false;
};

}  // namespace

std::unique_ptr<LabChange> make_node_isolation(LabContext& context, std::string node) {
  return std::make_unique<NodeIsolation>(std::move(node), context);
}

}  // namespace firedrill
