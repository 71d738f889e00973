// The shell scripts firedrill runs on a host for each change a fault asks of it, each with the
// script that undoes it (run by the normal revert, and armed in the host's dead-man's switch)
// and the check that proves it in effect. Pure: text only, tested on the SSH test bed.
//
// Network changes live in one nftables table of firedrill's own per drill (`inet
// firedrill_RUN`), one pair of base chains per change (`cN_in`, `cN_out`): an undo deletes exactly
// its chains, and the table goes with its last chain. No other table, chain or rule on the host
// is read, flushed or changed (never `nft flush ruleset`, never iptables -F).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace firedrill {

// A change on one host: do it, undo it, prove it (exit 0 when in effect).
struct HostChange {
  std::string apply;
  std::string revert;
  std::string verify;
  // Apply and prove in one, where that is cheaper than both (nft applies and echoes what the
  // kernel committed in one process: ~13 ms instead of ~30); empty: `apply && verify`.
  std::string apply_verified;
  std::string made_and_proven() const { return apply_verified.empty() ? apply + " && " + verify : apply_verified; }
};

// firedrill's table for run `run_id` ([a-z0-9_] kept).
std::string nft_table_name(const std::string& run_id);

// Which packets between this host and its peers a cut drops.
enum class CutDirection { both, outgoing, incoming };

// Drops every packet from the addresses `from` (input) and to the addresses `to` (output) on
// this host, as change `id`; either may be empty, not both.
Result<HostChange> nft_drop(const std::string& run_id, int id, const std::vector<std::string>& from,
                            const std::vector<std::string>& to);

// Drops every packet between this host and `peers` (IPv4 addresses), in `direction`, as change
// `id`. An error for no peers or a peer that is not an IPv4 address (nft would refuse it on the
// host).
Result<HostChange> nft_cut(const std::string& run_id, int id, const std::vector<std::string>& peers,
                           CutDirection direction = CutDirection::both);

// Drops every packet to and from this host but loopback and the SSH connection from `controller`
// to `ssh_port` (the session firedrill drives the host with), as change `id`.
Result<HostChange> nft_isolate(const std::string& run_id, int id, const std::string& controller, int ssh_port);

// A TBF qdisc of `rate_bits_per_s` as the root of the egress of the interface holding `address`,
// with a handle of firedrill's own for change `id`: the undo deletes that handle only, and the
// apply fails rather than replace a root qdisc someone else configured.
HostChange tc_rate(const std::string& address, int id, long long rate_bits_per_s);

// Fills the file system of `dir` to `percent` with a ballast file `name` in it (at 100: until a
// write gets ENOSPC); verified by a write failing (100) or the file system's use.
HostChange fill_to(const std::string& dir, const std::string& name, int percent);

// A ballast file of `bytes` at `path` (fallocate; verified by its allocated size); the revert
// removes it.
HostChange ballast(const std::string& path, long long bytes);

// The clock shim's control page on a host (harness/lab/clock/clock_control.h), made at `path`
// with the identity (magic, rate 1) before the node starts.
std::string clock_page_create(const std::string& path);
// Moves the page's clock: fake(real) = fake_anchor + (real - real_anchor) * rate, as `generation`
// (each write one more), written under the page's seqlock (the sequence made odd, the fields, the
// sequence even: three writes of their own). The revert writes the identity as
// `generation + 1`; the check is that a process of the node read it (seen_generation).
HostChange clock_set(const std::string& path, int64_t real_anchor_ns, int64_t fake_anchor_ns, double rate,
                     uint64_t generation);
// Prints the newest generation a process of the node acknowledged reading.
std::string clock_seen_script(const std::string& path);

// The tools a host needs for the faults a drill will apply there: each missing one is named on
// its own line of the output, and the script exits 1 when any is missing.
std::string tools_check_script(const std::vector<std::string>& tools);

}  // namespace firedrill
