// The lab as a Place; see lab_place.h.
#include "lab/lab_place.h"

#include <filesystem>

#include "lab/changes/link_common.h"
#include "lab/network.h"
#include "lab/volumes.h"
#include "place/retry_until.h"
#include "supervision/supervisor.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

bool directory_empty(const std::string& path) {
  std::error_code ec;
  return fs::is_empty(path, ec) && !ec;
}

int64_t entries_in(const std::string& path) {
  std::error_code ec;
  int64_t n = 0;
  for (auto it = fs::directory_iterator(path, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) ++n;
  return n;
}

std::string joined(const std::vector<std::string>& nodes) {
  std::string text;
  for (const auto& node : nodes) text += (text.empty() ? "" : ",") + node;
  return text;
}

// What a power cut took, and what the node had done to its volume until then, for the timeline.
Evidence power_cut_evidence(const std::string& node, const DiscardReport& report, const DurabilityCounts& counts,
                            std::chrono::steady_clock::time_point cut_at) {
  using namespace std::chrono;
  auto ms = [](steady_clock::duration d) { return duration_cast<microseconds>(d).count() / 1000.0; };
  boost::json::array files, names, errors;
  for (const DiscardedFile& f : report.files) {
    files.push_back({{"path", f.path}, {"bytes_unsynced", f.bytes_unsynced}, {"durable_size", f.durable_size},
                     {"torn_bytes_kept", f.torn_bytes_kept}});
  }
  for (const UndoneName& n : report.names) names.push_back({{"undone", n.what}, {"path", n.path}});
  for (const std::string& e : report.errors) errors.push_back(boost::json::string(e));
  const bool synced = counts.fsyncs > 0;
  return {{"node", node},
          {"bytes_discarded", report.bytes_discarded},
          {"files_discarded", std::move(files)},
          {"names_undone", std::move(names)},
          {"errors", std::move(errors)},
          {"volume",
           {{"writes", counts.writes},
            {"bytes_written", counts.bytes_written},
            {"fsyncs", counts.fsyncs},
            {"directory_fsyncs", counts.directory_fsyncs},
            {"bytes_before_first_fsync", counts.bytes_before_first_fsync},
            {"first_fsync_after_ms", synced ? boost::json::value(ms(counts.first_fsync - counts.since)) : nullptr},
            {"last_fsync_before_cut_ms", synced ? boost::json::value(ms(cut_at - counts.last_fsync)) : nullptr}}}};
}

}  // namespace

LabPlace::LabPlace(boost::asio::io_context& io, Supervisor& supervisor) 
    : context_{io, supervisor, std::chrono::milliseconds(5'000), nullptr, nullptr, {}, {}, {}, {}} {}

LabPlace::~LabPlace() = default;

Status LabPlace::can_shape(LinkShape::Kind kind) const {
  if (kind == LinkShape::Kind::bandwidth) return Status::ok();  // TBF is in every kernel we run on
  return netem_available();
}

// ---- nodes and their processes ----

void LabPlace::start_node(const NodeLaunch& launch, PlaceDone done) {
  ProcessSpec spec;
  spec.name = launch.name;
  spec.argv = launch.argv;
  spec.env = launch.env;
  spec.netns_fd = context_.network ? context_.network->netns_fd(launch.name) : -1;
  spec.stdout_path = launch.stdout_path;
  spec.stderr_path = launch.stderr_path;
  spec.working_dir = launch.working_dir;
  if (Status started = context_.supervisor.start(spec); !started) return done(started, {{"node", launch.name}});
  done(Status::ok(), {{"node", launch.name}, {"pid", context_.supervisor.pid(launch.name).value_or(0)}});
}

void LabPlace::process_state(const std::string& node, std::function<void(Result<ProcessState>)> done) {
  ProcessState state;
  if (auto pid = context_.supervisor.pid(node)) {
    state.running = true;
    state.pid = *pid;
    state.state = context_.supervisor.state(node).value_or('?');
  }
  done(state);
}

void LabPlace::signal_node(const std::string& node, int signal, bool expect_exit, PlaceDone done) {
  const int pid = context_.supervisor.pid(node).value_or(0);
  done(context_.supervisor.signal(node, signal, expect_exit), {{"node", node}, {"pid", pid}, {"signal", signal}});
}

void LabPlace::wait_exit(const std::vector<std::string>& nodes, PlaceDone done) {
  wait_until(
      context_.io, context_.step_deadline,
      [this, nodes] {
        for (const auto& node : nodes) {
          if (context_.supervisor.running(node)) return false;
        }
        return true;
      },
      "node " + joined(nodes) + ": exit", [nodes] { return Evidence{{"reaped", joined(nodes)}}; }, std::move(done));
}

void LabPlace::wait_state(const std::string& node, char state, bool in_state, PlaceDone done) {
  auto letter = [this, node] {
    auto s = context_.supervisor.state(node);
    return s ? std::string(1, *s) : std::string("gone");
  };
  wait_until(
      context_.io, context_.step_deadline,
      [this, node, state, in_state] { return (context_.supervisor.state(node) == state) == in_state; },
      "node " + node + ": state " + (in_state ? "" : "not ") + std::string(1, state),
      [letter] { return Evidence{{"state", letter()}}; }, std::move(done));
}

void LabPlace::restart_nodes(const std::vector<std::string>& nodes, PlaceDone done) {
  for (const auto& node : nodes) {
    if (context_.supervisor.running(node)) continue;
    Status restarted = context_.supervisor.restart_after(node, std::chrono::milliseconds(0));
    if (!restarted) return done(restarted, {{"nodes", joined(nodes)}});
  }
  wait_until(
      context_.io, context_.step_deadline,
      [this, nodes] {
        for (const auto& node : nodes) {
          if (!context_.supervisor.running(node)) return false;
        }
        return true;
      },
      "restart", [] { return Evidence{}; }, std::move(done));
}

void LabPlace::run_action(const ActionRequest& request, std::function<void(ActionOutcome)> done) {
  if (context_.run_action) return context_.run_action(request, std::move(done));
  ActionOutcome outcome;
  outcome.error = "the lab runs no actions";
  done(std::move(outcome));
}

// ---- the changes ----

void LabPlace::apply_change(const std::string& area, ChangeId change, std::unique_ptr<LabChange> made,
                            PlaceDone done) {
  auto& slot = changes_[{area, change}];
  slot = std::move(made);
  slot->apply(std::move(done));
}

void LabPlace::revert_change(const std::string& area, ChangeId change, Evidence nothing, PlaceDone done) {
  auto it = changes_.find({area, change});
  if (it == changes_.end()) return done(Status::ok(), std::move(nothing));
  it->second->revert(std::move(done));
}

void LabPlace::cut_links(ChangeId change, const LinkCut& cut, PlaceDone done) {
  apply_change("links", change, make_link_cut(context_, cut), std::move(done));
}

void LabPlace::restore_links(ChangeId change, PlaceDone done) {
  revert_change("links", change, {{"removed", boost::json::array()}}, std::move(done));
}

void LabPlace::isolate_node(ChangeId change, const std::string& node, PlaceDone done) {
  apply_change("isolation", change, make_node_isolation(context_, node), std::move(done));
}

void LabPlace::reconnect_node(ChangeId change, PlaceDone done) {
  revert_change("isolation", change, {{"restored", false}}, std::move(done));
}

void LabPlace::shape_link(ChangeId change, const std::string& node, const LinkShape& shape, PlaceDone done) {
  apply_change("shape", change, make_link_shape(context_, node, shape), std::move(done));
}

void LabPlace::unshape_link(ChangeId change, PlaceDone done) {
  revert_change("shape", change, {{"removed_from", boost::json::array()}}, std::move(done));
}

void LabPlace::probe(const std::string& from, const std::string& to,
                     std::function<void(Result<ProbeReport>)> done) {
  if (context_.network == nullptr) return done(Status::error("probe: the lab has no network"));
  if (!lab_link::is_member(*context_.network, from) || !lab_link::is_member(*context_.network, to)) {
    return done(Status::error("probe " + from + " -> " + to + ": not a member of the lab"));
  }
  const std::string address = lab_link::address_of(*context_.network, to);
  lab_link::probe_connect(context_, from, address, lab_link::probe_timeout_ms,
                          [from, to, address, done = std::move(done)](Result<lab_link::ProbeResult> result) {
                            if (!result) return done(result.status());
                            done(ProbeReport{result->reachable(), result->text(),
                                             lab_link::probe_evidence(from, to, address, *result)});
                          });
}

void LabPlace::fill_volume(ChangeId change, const std::string& node, int64_t percent, PlaceDone done) {
  apply_change("volume", change, make_volume_fill(context_, node, percent), std::move(done));
}

void LabPlace::unfill_volume(ChangeId change, PlaceDone done) {
  revert_change("volume", change, {{"ballast", "absent"}}, std::move(done));
}

void LabPlace::empty_volume(const std::string& node, PlaceDone done) {
  if (context_.volumes == nullptr) return done(Status::error("the lab has no volumes"), {{"node", node}});
  const std::string& path = context_.volumes->path(node);
  const int64_t entries = entries_in(path);
  Status emptied = context_.volumes->empty(node);
  if (!emptied) return done(emptied.with_context("node " + node), {{"node", node}});
  const bool empty = directory_empty(path);
  Evidence evidence{{"node", node}, {"entries_removed", entries}, {"empty", empty}};
  if (!empty) return done(Status::error("node " + node + ": volume not empty after removal"), evidence);
  done(Status::ok(), std::move(evidence));
}

void LabPlace::corrupt_backup(ChangeId change, const std::string& node, const std::string& pattern,
                              PlaceDone done) {
  if (!context_.backup_dir) return done(Status::error("backup.corrupt: the drill has no backup store"), {});
  apply_change("backups", change, make_backup_corruption(context_, node, pattern), std::move(done));
}

void LabPlace::repair_backup(ChangeId change, PlaceDone done) {
  revert_change("backups", change, {{"nothing_corrupted", true}}, std::move(done));
}

void LabPlace::move_clock(ChangeId change, const std::string& node, const ClockSetting& setting, PlaceDone done) {
  apply_change("clock", change, make_clock_move(context_, node, setting), std::move(done));
}

void LabPlace::reset_clock(ChangeId change, PlaceDone done) {
  revert_change("clock", change, {}, std::move(done));
}

Status LabPlace::can_cut_power() const {
  return Status::ok();
}

void LabPlace::cut_power(const std::string& node, const PowerCut& cut, PlaceDone done) {
  DurableVolume* volume = context_.volumes ? context_.volumes->durable(node) : nullptr;
  if (volume == nullptr) {
    return done(Status::error("power.loss: node " + node + " has no durability-tracking volume"), {{"node", node}});
  }
  // The node is dead: nothing syncs any more, and the cut is now (the unmount is not the node's).
  const DurabilityCounts counts = volume->counts();
  const auto cut_at = std::chrono::steady_clock::now();
  // Blocks the controller's thread for the unmount and the discard: milliseconds, unless a
  // process still holds the volume (then up to half the step deadline).
  auto report = volume->power_cut({cut.torn_block_bytes, cut.seed}, context_.step_deadline / 2);
  if (!report) return done(report.status().with_context("power.loss: node " + node), {{"node", node}});
  Evidence evidence = power_cut_evidence(node, *report, counts, cut_at);
  if (!report->errors.empty()) {
    return done(Status::error("power.loss: node " + node + ": " + report->errors.front()), std::move(evidence));
  }
  done(Status::ok(), std::move(evidence));
}

}  // namespace firedrill
