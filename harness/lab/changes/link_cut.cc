// network.partition: blackhole routes between groups of members; see lab_links.h.
#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "lab/netlink.h"
#include "lab/changes/link_common.h"

namespace firedrill {
namespace {

using namespace lab_link;

// One blackhole route this fault added: in `in`'s namespace, to `to` ("a.b.c.d/32").
struct AddedRoute {
  std::string in;
  std::string to;
};

class LinkCutChange : public LabChange {
 public:
  LinkCutChange(LabContext& context, LinkCut cut)
      : context_(context), resolved_(std::move(cut.sides)), both_ways_(cut.both_ways) {}

  void apply(PlaceDone done) override {
    auto step = Step::start(context_, "network.partition.apply", std::move(done));
    if (context_.network == nullptr) return step->fail("the lab has no network");
    if (Status valid = check_sides(); !valid) return step->finish_with(valid);
    install(step);
  }

  void revert(PlaceDone done) override {
    auto step = Step::start(context_, "network.partition.revert", std::move(done));
    if (context_.network == nullptr || routes_.empty()) {
      step->evidence() = {{"removed", boost::json::array()}};
      return step->finish(Status::ok());
    }
    boost::json::array removed = routes_json(routes_);
    if (Status status = remove_routes(); !status) {
      step->evidence() = {{"routes_left", routes_json(routes_)}};
      return step->finish_with(status);
    }
    step->evidence() = {{"removed", std::move(removed)}};
    probe_reachable(step);
  }

 private:
  Status check_sides() const {
    if (resolved_.size() < 2) return Status::error("`groups` needs at least two groups");
    for (const auto& side : resolved_) {
      if (side.empty()) return Status::error("a group is empty");
      for (const std::string& member : side) {
        if (!is_member(*context_.network, member)) {
          return Status::error("member " + member + " is not a node of the lab");
        }
      }
    }
    return Status::ok();
  }

  // Every (namespace, destination) pair of the cut, grouped by namespace in first-seen order.
  std::vector<std::pair<std::string, std::vector<std::string>>> plan_routes() const {
    std::vector<std::pair<std::string, std::vector<std::string>>> plan;
    const auto cut = [&plan, this](const std::string& in, const std::string& to) {
      const std::string destination = address_of(*context_.network, to) + "/32";
      for (auto& [where, destinations] : plan) {
        if (where == in) return destinations.push_back(destination);
      }
      plan.push_back({in, {destination}});
    };
    for (std::size_t a = 0; a < resolved_.size(); ++a) {
      for (std::size_t b = 0; b < resolved_.size(); ++b) {
        if (a == b || (!both_ways_ && !(a == 0 && b == 1))) continue;
        for (const std::string& from : resolved_[a]) {
          for (const std::string& to : resolved_[b]) cut(from, to);
        }
      }
    }
    return plan;
  }

  void install(const std::shared_ptr<Step>& step) {
    std::set<std::string> seen;
    boost::json::array groups;
    for (const auto& side : resolved_) {
      boost::json::array group;
      for (const std::string& member : side) {
        if (!seen.insert(member).second) {
          return step->fail("member " + member + " is in more than one group");
        }
        group.emplace_back(member);
      }
      groups.emplace_back(std::move(group));
    }
    step->evidence()[both_ways_ ? "groups" : "from_to"] = std::move(groups);
    boost::json::array already;
    for (const auto& [in, destinations] : plan_routes()) {
      Status added = with_netlink(*context_.network, in, [&](nl_sock* socket) {
        for (const std::string& destination : destinations) {
          Result<bool> fresh = netlink::add_blackhole_route(socket, destination);
          if (!fresh) return fresh.status();
          // Recorded as soon as it exists, so that a revert after a failure here removes it.
          if (*fresh) routes_.push_back({in, destination});
          if (!*fresh) already.push_back(boost::json::object{{"in", in}, {"to", destination}});
        }
        return Status::ok();
      });
      if (!added) {
        step->evidence()["routes"] = routes_json(routes_);
        return step->finish_with(added);
      }
    }
    step->evidence()["routes"] = routes_json(routes_);
    if (!already.empty()) step->evidence()["already_present"] = std::move(already);
    probe_from_ = resolved_[0][0];
    probe_to_ = resolved_[1][0];
    probe_cut(step);
  }

  enum class Expect { cut, reachable };

  // Verifies the apply: a connect() across the cut fails at once.
  void probe_cut(const std::shared_ptr<Step>& step) { probe_until(step, Expect::cut); }

  // Verifies the revert: the same connect() is refused (or connects) again, when both ends still
  // have their links up.
  void probe_reachable(const std::shared_ptr<Step>& step) {
    for (const std::string& member : {probe_from_, probe_to_}) {
      Result<bool> up = link_up(member);
      if (!up || !*up) {
        step->evidence()["probe"] =
            "skipped: " + member + "'s link " + own_link_of(*context_.network, member) +
            (up ? std::string(" is down") : " cannot be read: " + up.status().message());
        return step->finish(Status::ok());
      }
    }
    probe_until(step, Expect::reachable);
  }

  // One connect() from probe_from_ to probe_to_; the step finishes when it shows `expect`, else
  // it is retried (through probe_reachable, which checks the links again, for a revert).
  void probe_until(const std::shared_ptr<Step>& step, Expect expect) {
    const std::string& address = address_of(*context_.network, probe_to_);
    probe_connect(context_, probe_from_, address, probe_timeout_ms,
                  [this, step, address, expect](Result<ProbeResult> result) {
                    if (step->finished()) return;
                    if (!result) return step->finish_with(result.status());
                    step->evidence()["probe"] =
                        probe_evidence(probe_from_, probe_to_, address, *result);
                    const bool cut = expect == Expect::cut;
                    if (cut ? result->cut_at_once() : result->reachable()) return step->finish(Status::ok());
                    step->observed("probe " + probe_from_ + " -> " + probe_to_ + ": " + result->text() +
                                   (cut ? " (not cut)" : " (not reachable)"));
                    step->retry([this, step, cut] { cut ? probe_cut(step) : probe_reachable(step); });
                  });
  }

  Result<bool> link_up(const std::string& member) const {
    bool up = false;
    Status status = with_netlink(*context_.network, member, [&](nl_sock* socket) {
      Result<bool> state = netlink::link_is_up(socket, own_link_of(*context_.network, member));
      if (!state) return state.status();
      up = *state;
      return Status::ok();
    });
    if (!status) return status;
    return up;
  }

  // Deletes every recorded route (namespace by namespace) and checks with a fresh dump that none
  // is left; the ones removed leave the record.
  Status remove_routes() {
    std::map<std::string, std::vector<std::string>> by_namespace;
    for (const AddedRoute& route : routes_) by_namespace[route.in].push_back(route.to);
    for (const auto& [in, destinations] : by_namespace) {
      Status removed = with_netlink(*context_.network, in, [&](nl_sock* socket) {
        for (const std::string& destination : destinations) {
          if (Status status = netlink::delete_blackhole_route(socket, destination); !status) {
            return status;
          }
        }
        Result<std::vector<std::string>> left = netlink::blackhole_routes(socket);
        if (!left) return left.status();
        for (const std::string& destination : destinations) {
          if (std::find(left->begin(), left->end(), destination) != left->end()) {
            return Status::error("blackhole route to " + destination + " still listed");
          }
        }
        return Status::ok();
      });
      if (!removed) return removed;
      std::erase_if(routes_, [&in](const AddedRoute& route) { return route.in == in; });
    }
    return Status::ok();
  }

  static boost::json::array routes_json(const std::vector<AddedRoute>& routes) {
    boost::json::array list;
    for (const AddedRoute& route : routes) {
      list.push_back(boost::json::object{{"in", route.in}, {"to", route.to}});
    }
    return list;
  }

  LabContext& context_;
  // The members ("client" or node names): two or more groups (both ways), or [from, to].
  std::vector<std::vector<std::string>> resolved_;
  bool both_ways_ = true;
  // Every route added and not yet removed.
  std::vector<AddedRoute> routes_;
  // The probe pair: the first member of the first side and of the second.
  std::string probe_from_;
  std::string probe_to_;
};

}  // namespace

std::unique_ptr<LabChange> make_link_cut(LabContext& context, LinkCut cut) {
  return std::make_unique<LinkCutChange>(context, std::move(cut));
}

}  // namespace firedrill
