// network.bandwidth (TBF), network.delay and network.loss (netem): a root qdisc on a node's links;
// and netem_available(). See lab_links.h.
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <limits>
#include <thread>

#include "lab/netlink.h"
#include "lab/changes/link_common.h"

namespace firedrill {
namespace {

using namespace lab_link;

// Handles of the qdiscs these faults add ("fd01:" and "fd02:"), so that a revert deletes only its
// own and a second qdisc fault on the same link is refused (NLM_F_EXCL) instead of replacing it.
constexpr std::uint32_t bandwidth_qdisc_handle = 0xfd010000u;
constexpr std::uint32_t netem_qdisc_handle = 0xfd020000u;
// TBF shape: the bucket holds this many milliseconds of traffic at the rate, at least
// tbf_burst_bytes_min (above any MTU, so that no packet is too big for it); packets wait in the
// queue for at most tbf_latency_ms before they are dropped.
constexpr std::int64_t tbf_burst_ms = 10;
constexpr std::int64_t tbf_burst_bytes_min = 16 * 1024;
constexpr std::int64_t tbf_latency_ms = 50;
// Rates libnl-route 3.7 can express: bytes/s as an int (about 17 Gbit/s).
constexpr std::int64_t tbf_rate_bytes_per_s_max = std::numeric_limits<int>::max();
// Longest delay accepted by network.delay (netem takes microseconds as an int).
constexpr std::int64_t netem_delay_ms_max = 60'000;

const std::string lacks_netem = "this kernel lacks netem (CONFIG_NET_SCH_NETEM)";

// A link a qdisc goes on: `link` in `in`'s namespace ("client" or the node).
struct QdiscLink {
  std::string in;
  std::string link;
};

// What one kind puts on the links, and how its qdisc is recognised when read back.
struct QdiscRecipe {
  std::uint32_t handle = 0;
  std::string qdisc_kind;                  // "tbf" or "netem"
  std::int64_t tbf_rate_bytes_per_s = -1;  // for "tbf": the rate read back must match
  bool needs_netem = false;
  // Adds the qdisc to the link with the given index: true when added, false when the kernel
  // lacks the qdisc kind.
  std::function<Result<bool>(nl_sock*, int link_index)> add;
  boost::json::object parameters;  // for the evidence
};

// A root qdisc on some of a node's links, as `recipe` says.
class LinkQdiscChange : public LabChange {
 public:
  LinkQdiscChange(std::string kind, std::string node, LabContext& context,
                 Result<QdiscRecipe> recipe, bool both_directions)
      : kind_(std::move(kind)),
        node_(std::move(node)),
        context_(context),
        recipe_(std::move(recipe)),
        both_directions_(both_directions) {}

  void apply(PlaceDone done) override {
    auto step = Step::start(context_, kind_ + ".apply: node " + node_, std::move(done));
    step->evidence() = {{"node", node_}};
    if (!recipe_) return step->finish_with(recipe_.status());
    step->evidence()["parameters"] = recipe_->parameters;
    if (context_.network == nullptr) return step->fail("the lab has no network");
    if (node_ == client_member || !is_member(*context_.network, node_)) {
      return step->fail("not a node of the lab");
    }
    if (recipe_->needs_netem) {
      if (Status netem = netem_available(); !netem) return step->finish_with(netem);
    }
    std::vector<QdiscLink> links = {{node_, context_.network->node(node_).node_veth}};
    if (both_directions_) links.push_back({client_member, context_.network->node(node_).host_veth});
    for (const QdiscLink& link : links) {
      Status added = with_netlink(*context_.network, link.in, [&](nl_sock* socket) {
        Result<int> index = netlink::link_index(socket, link.link);
        if (!index) return index.status();
        Result<bool> fresh = recipe_->add(socket, *index);
        if (!fresh) return fresh.status();
        if (!*fresh) return Status::error(lacks_netem);
        installed_.push_back(link);
        return Status::ok();
      });
      if (!added) return step->finish_with(added);
    }
    verify(step, /*want_present=*/true);
  }

  void revert(PlaceDone done) override {
    auto step = Step::start(context_, kind_ + ".revert: node " + node_, std::move(done));
    step->evidence() = {{"node", node_}};
    boost::json::array removed;
    boost::json::array gone;
    while (!installed_.empty() && context_.network != nullptr) {
      const QdiscLink link = installed_.back();
      bool link_gone = false;
      Status deleted = with_netlink(*context_.network, link.in, [&](nl_sock* socket) {
        Result<bool> exists = netlink::link_exists(socket, link.link);
        if (!exists) return exists.status();
        if (!*exists) {
          link_gone = true;
          return Status::ok();
        }
        Result<int> index = netlink::link_index(socket, link.link);
        if (!index) return index.status();
        return netlink::delete_root_qdisc(socket, *index, recipe_->handle);
      });
      if (!deleted) return step->finish_with(deleted);
      (link_gone ? gone : removed).push_back(link_json(link));
      removed_.push_back(link);
      installed_.pop_back();
    }
    step->evidence()["removed_from"] = std::move(removed);
    if (!gone.empty()) step->evidence()["links_gone"] = std::move(gone);
    verify(step, /*want_present=*/false);
  }

 private:
  static boost::json::object link_json(const QdiscLink& link) {
    return {{"in", link.in}, {"link", link.link}};
  }

  // Reads the root qdisc of every link back: ours on each one (apply), or on none (revert; a
  // link that is gone has none).
  void verify(const std::shared_ptr<Step>& step, bool want_present) {
    const std::vector<QdiscLink>& links = want_present ? installed_ : removed_;
    boost::json::array seen;
    for (const QdiscLink& link : links) {
      bool ours = false;
      std::string listed = "none";
      Status read = with_netlink(*context_.network, link.in, [&](nl_sock* socket) {
        Result<bool> exists = netlink::link_exists(socket, link.link);
        if (!exists) return exists.status();
        if (!*exists) {
          listed = "link gone";
          return Status::ok();
        }
        Result<int> index = netlink::link_index(socket, link.link);
        if (!index) return index.status();
        Result<std::optional<netlink::QdiscInfo>> root = netlink::root_qdisc(socket, *index);
        if (!root) return root.status();
        if (!root->has_value()) return Status::ok();
        const netlink::QdiscInfo& info = **root;
        listed = info.kind;
        ours = info.handle == recipe_->handle && info.kind == recipe_->qdisc_kind &&
               (recipe_->tbf_rate_bytes_per_s < 0 ||
                info.tbf_rate_bytes_per_s == recipe_->tbf_rate_bytes_per_s);
        return Status::ok();
      });
      if (!read) return step->finish_with(read);
      boost::json::object entry = link_json(link);
      entry["root_qdisc"] = listed;
      seen.push_back(std::move(entry));
      if (ours != want_present) {
        step->observed(link.in + " " + link.link + ": root qdisc " + listed);
        step->evidence()["links"] = std::move(seen);
        return step->retry([this, step, want_present] { verify(step, want_present); });
      }
    }
    step->evidence()["links"] = std::move(seen);
    if (!want_present) removed_.clear();
    step->finish(Status::ok());
  }

  const std::string kind_;
  std::string node_;
  LabContext& context_;
  Result<QdiscRecipe> recipe_;
  // Also the host-side veth (the node's ingress), not only the node's eth0 (its egress).
  bool both_directions_;
  // Links that carry this fault's qdisc, in the order added.
  std::vector<QdiscLink> installed_;
  // Links a revert took the qdisc off, until verified.
  std::vector<QdiscLink> removed_;
};

Result<QdiscRecipe> bandwidth_recipe(const LinkShape& shape) {
  const std::int64_t* rate_bits = &shape.rate_bits_per_s;
  const std::int64_t rate_bytes = *rate_bits / 8;
  if (rate_bytes < 1 || rate_bytes > tbf_rate_bytes_per_s_max) {
    return Status::error("rate " + std::to_string(*rate_bits) + " bit/s: must be from 8 to " +
                         std::to_string(tbf_rate_bytes_per_s_max * 8) + " bit/s");
  }
  netlink::TbfSettings tbf;
  const std::int64_t burst = std::max(rate_bytes * tbf_burst_ms / 1000, tbf_burst_bytes_min);
  const std::int64_t limit = rate_bytes * tbf_latency_ms / 1000 + burst;
  tbf.rate_bytes_per_s = static_cast<std::uint32_t>(rate_bytes);
  tbf.burst_bytes = static_cast<std::uint32_t>(std::min(burst, tbf_rate_bytes_per_s_max));
  tbf.limit_bytes = static_cast<std::uint32_t>(std::min(limit, tbf_rate_bytes_per_s_max));
  QdiscRecipe recipe;
  recipe.handle = bandwidth_qdisc_handle;
  recipe.qdisc_kind = "tbf";
  recipe.tbf_rate_bytes_per_s = rate_bytes;
  recipe.add = [tbf](nl_sock* socket, int index) -> Result<bool> {
    if (Status added = netlink::add_tbf_qdisc(socket, index, bandwidth_qdisc_handle, tbf); !added) {
      return added;
    }
    return true;
  };
  recipe.parameters = {{"rate_bits_per_s", rate_bytes * 8},
                       {"burst_bytes", tbf.burst_bytes},
                       {"limit_bytes", tbf.limit_bytes},
                       {"latency_ms", tbf_latency_ms}};
  return recipe;
}

QdiscRecipe netem_recipe(const netlink::NetemSettings& netem) {
  QdiscRecipe recipe;
  recipe.handle = netem_qdisc_handle;
  recipe.qdisc_kind = "netem";
  recipe.needs_netem = true;
  recipe.add = [netem](nl_sock* socket, int index) {
    return netlink::add_netem_qdisc(socket, index, netem_qdisc_handle, netem);
  };
  return recipe;
}

Result<QdiscRecipe> delay_recipe(const LinkShape& shape) {
  const std::chrono::milliseconds* delay = &shape.delay;
  if (delay->count() < 1 || delay->count() > netem_delay_ms_max) {
    return Status::error("delay " + std::to_string(delay->count()) + " ms: must be from 1 to " +
                         std::to_string(netem_delay_ms_max) + " ms");
  }
  netlink::NetemSettings netem;
  netem.delay_us = static_cast<std::uint32_t>(delay->count() * 1000);
  QdiscRecipe recipe = netem_recipe(netem);
  recipe.parameters = {{"delay_ms", delay->count()}};
  return recipe;
}

Result<QdiscRecipe> loss_recipe(const LinkShape& shape) {
  const std::int64_t* percent = &shape.loss_percent;
  if (*percent < 1 || *percent > 100) {
    return Status::error("percent " + std::to_string(*percent) + ": must be from 1 to 100");
  }
  netlink::NetemSettings netem;
  netem.loss_percent = static_cast<std::uint32_t>(*percent);
  QdiscRecipe recipe = netem_recipe(netem);
  recipe.parameters = {{"percent", *percent}};
  return recipe;
}

}  // namespace

Status netem_available() {
  Status verdict;
  try {
    std::thread helper([&verdict] {
      // This thread only: a fresh, empty network namespace that dies with the thread.
      if (unshare(CLONE_NEWNET) != 0) {
        verdict = Status::error(std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno));
        return;
      }
      Result<netlink::Socket> socket = netlink::connect_route_socket();
      if (!socket) return void(verdict = socket.status());
      Result<int> lo = netlink::link_index(socket->get(), "lo");
      if (!lo) return void(verdict = lo.status());
      netlink::NetemSettings probe;
      probe.delay_us = 1000;
      Result<bool> added = netlink::add_netem_qdisc(socket->get(), *lo, netem_qdisc_handle, probe);
      if (!added) return void(verdict = added.status());
      if (!*added) return void(verdict = Status::error(lacks_netem));
      verdict = netlink::delete_root_qdisc(socket->get(), *lo, netem_qdisc_handle);
    });
    helper.join();
  } catch (const std::exception& error) {
    verdict = Status::error(std::string("cannot start a helper thread: ") + error.what());
  }
  return verdict.with_context("netem check");
}

std::unique_ptr<LabChange> make_link_shape(LabContext& context, std::string node, const LinkShape& shape) {
  switch (shape.kind) {
    case LinkShape::Kind::bandwidth:
      return std::make_unique<LinkQdiscChange>("network.bandwidth", std::move(node), context,
                                               bandwidth_recipe(shape), /*both_directions=*/true);
    case LinkShape::Kind::delay:
      return std::make_unique<LinkQdiscChange>("network.delay", std::move(node), context,
                                               delay_recipe(shape), /*both_directions=*/false);
    case LinkShape::Kind::loss:
      break;
  }
  return std::make_unique<LinkQdiscChange>("network.loss", std::move(node), context, loss_recipe(shape),
                                           /*both_directions=*/false);
}

}  // namespace firedrill
