// network.partition; see network_partition.h.
#include "network/partition/network_partition.h"

#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <set>

#include "fault_kind.h"

namespace firedrill {
namespace {

class NetworkPartition : public Fault {
 public:
  NetworkPartition(const FaultSpec& spec, std::string node, FaultContext& context)
      : index_(spec.index), node_(std::move(node)), context_(context) {
    const auto groups = [&spec](const char* name) -> const NodeGroups* {
      auto it = spec.parameters.find(name);
      return it == spec.parameters.end() ? nullptr : std::get_if<NodeGroups>(&it->second);
    };
    if (const NodeGroups* both_ways = groups("groups")) {
      sides_ = *both_ways;
    } else if (groups("from") != nullptr && groups("to") != nullptr) {
      // A plain list is one group; take every member of either parameter as one side.
      for (const NodeGroups* side : {groups("from"), groups("to")}) {
        std::vector<std::string> members;
        for (const auto& group : *side) members.insert(members.end(), group.begin(), group.end());
        sides_.push_back(std::move(members));
      }
      both_ways_ = false;
    }
  }
  const std::string& kind() const override { return kind_; }
  const std::string& node() const override { return node_; }

  void apply(FaultDone done) override {
    const std::uint64_t generation = ++generation_;
    if (Status valid = check_written_sides(); !valid) {
      return done(valid.with_context("network.partition.apply"), {});
    }
    LinkCut cut{std::vector<std::vector<std::string>>(sides_.size()), both_ways_};
    resolve_next(std::make_shared<LinkCut>(std::move(cut)), generation, 0, 0, once_before_deadline(std::move(done)));
  }

  void revert(FaultDone done) override {
    ++generation_;  // an apply still resolving its members stops there
    context_.place.restore_links(index_, std::move(done));
  }

 private:
  Status check_written_sides() const {
    if (sides_.empty()) return Status::error("give either `groups` or both `from` and `to`");
    for (const auto& side : sides_) {
      if (side.empty()) return Status::error("a group is empty");
    }
    if (sides_.size() < 2) return Status::error("`groups` needs at least two groups");
    return Status::ok();
  }

  // `done`, called at most once: by the step, or with an error when the step deadline passes
  // while the members are still being resolved (a resolver that never answers).
  FaultDone once_before_deadline(FaultDone done) {
    struct Once {
      FaultDone done;
      bool called = false;
    };
    auto once = std::make_shared<Once>(Once{std::move(done)});
    auto timer = std::make_shared<boost::asio::steady_timer>(context_.io, context_.step_deadline);
    const auto deadline_ms = context_.step_deadline.count();
    // The handler holds the timer: a resolver that drops the step must not cancel the deadline.
    timer->async_wait([once, timer, deadline_ms](const boost::system::error_code& error) {
      if (error || once->called) return;
      once->called = true;
      once->done(Status::error("network.partition.apply: not verified before the step deadline (" +
                               std::to_string(deadline_ms) + " ms)"),
                 {});
    });
    return [once, timer](Status status, boost::json::object evidence) {
      if (once->called) return;
      once->called = true;
      timer->cancel();
      once->done(std::move(status), std::move(evidence));
    };
  }

  // Resolves member `index` of side `side`, then the next; "client" stays as it is. Then cuts.
  void resolve_next(std::shared_ptr<LinkCut> cut, std::uint64_t generation, std::size_t side, std::size_t index,
                    FaultDone done) {
    if (side == sides_.size()) return context_.place.cut_links(index_, *cut, std::move(done));
    if (index == sides_[side].size()) return resolve_next(cut, generation, side + 1, 0, std::move(done));
    const std::string& written = sides_[side][index];
    auto next = [this, cut, generation, side, index, written, done](Result<std::string> node) {
      auto fail = [&done](const std::string& why) { done(Status::error("network.partition.apply: " + why), {}); };
      if (generation != generation_) return fail("reverted before it was applied");
      if (!node) return fail("member " + written + ": " + node.status().message());
      cut->sides[side].push_back(*node);
      resolve_next(cut, generation, side, index + 1, done);
    };
    if (written == place_client || !context_.resolve) return next(written);
    context_.resolve(written, std::move(next));
  }

  const std::string kind_ = "network.partition";
  int index_;
  std::string node_;
  FaultContext& context_;
  // As written: two or more groups (both ways), or [from, to] (one way).
  std::vector<std::vector<std::string>> sides_;
  bool both_ways_ = true;
  // Bumped by apply and revert; a pending resolution of an older apply stops.
  std::uint64_t generation_ = 0;
};

// `groups` (two or more, disjoint) or `from` + `to` (one way).
void check(const FaultCheck& c) {
  const FaultSpec& f = c.fault;
  bool groups = f.parameters.count("groups") > 0;
  bool from = f.parameters.count("from") > 0;
  bool to = f.parameters.count("to") > 0;
  for (const char* key : {"groups", "from", "to"}) {
    if (c.written(key) && !f.parameters.count(key)) return;  // already reported
  }
  if (groups == (from || to) || from != to) {
    c.error(groups ? "from" : "groups", "give either `groups` (both ways) or both `from` and `to` (one way)");
    return;
  }
  std::set<std::string> seen;
  const NodeGroups all = groups ? std::get<NodeGroups>(f.parameters.at("groups"))
                                : NodeGroups{std::get<NodeGroups>(f.parameters.at("from")).front(),
                                             std::get<NodeGroups>(f.parameters.at("to")).front()};
  if (all.size() < 2) c.error("groups", "a partition needs at least two groups");
  for (const auto& group : all) {
    for (const auto& member : group) {
      if (!seen.insert(member).second) {
        c.error(groups ? "groups" : "to", "\"" + member + "\" is on both sides of the partition");
        return;
      }
    }
  }
}

}  // namespace

FaultKind network_partition_kind() {
  return fault_kind(
      {"network.partition", "cut the network between groups of nodes (and the client), both ways or one way",
       "blackhole routes installed through netlink in the nodes' network namespaces",
       "a probe connection across the cut fails", "exactly the routes that were added are removed",
       "CAP_NET_ADMIN in the lab (root, or the lab's user namespace)"},
      {.needs_duration = true,
       .parameters = {{"groups", FaultParameterType::node_groups, false, "",
                       "two or more groups cut from each other both ways, e.g. [[\"ledger-1\"], [\"ledger-2\", "
                       "\"client\"]]"},
                      {"from", FaultParameterType::node_list, false, "", "one way: traffic from these ..."},
                      {"to", FaultParameterType::node_list, false, "", "... to these is dropped (give both, or `groups`)"}},
       .needs_target = false,
       .resource = "",  // routes of its own: any number may overlap
       .check = check},
      fault_factory<NetworkPartition>());
}

}  // namespace firedrill
