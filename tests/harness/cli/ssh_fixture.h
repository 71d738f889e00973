// Helpers of the drill-over-SSH tests: refpay's definition and the library's scenarios moved onto
// a test bed of the test's own (its subnet, its directory), and what firedrill may have left on
// the bed's hosts.
#pragma once

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "harness/cli/run_fixture.h"
#include "testing/ssh_testbed.h"

namespace firedrill::testing {

// The output of a shell command.
inline std::string output_of(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) out += buffer.data();
  ::pclose(pipe);
  return out;
}

inline void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
}

// sample-system/refpay-ssh.toml moved onto `bed` (written into `dir`), with short grace periods
// so that a test sees the dead-man's switches fire within seconds.
inline std::string bed_definition(const SshTestbed& bed, const std::string& dir) {
  std::string text = text_of(kSource / "sample-system/refpay-ssh.toml");
  replace_all(text, "10.77.0.", bed.subnet() + ".");
  replace_all(text, "/run/firedrill-testbed/", bed.dir() + "/");
  // The copy lives elsewhere: its rule files are refpay's own, by absolute path.
  replace_all(text, "\"monitoring/", "\"" + (kSource / "sample-system/monitoring").string() + "/");
  text += "switch_grace = \"2s\"\nheartbeat_grace = \"3s\"\n";
  const std::string path = dir + "/refpay-ssh.toml";
  std::ofstream(path) << text;
  return path;
}

// `scenario` with its system definition replaced by `definition` (written into `dir`).
inline std::string bed_scenario(const fs::path& scenario, const std::string& definition, const std::string& dir) {
  std::string text = text_of(scenario);
  replace_all(text, "\"sample-system/refpay-ssh.toml\"", "\"" + definition + "\"");
  const std::string path = dir + "/" + scenario.filename().string();
  std::ofstream(path) << text;
  return path;
}

// What firedrill left on the bed's hosts: its nftables tables, TBF qdiscs, ballast files,
// stopped processes, any process but sshd, anything in a data volume. Empty: nothing.
inline std::vector<std::string> bed_residue(const SshTestbed& bed, int hosts) {
  std::vector<std::string> found;
  for (int i = 1; i <= hosts; ++i) {
    const std::string ns = "ip netns exec " + bed.netns(i) + " ";
    const std::string host = "host" + std::to_string(i) + ": ";
    if (std::string t = output_of(ns + "nft list tables 2>&1 | grep firedrill"); !t.empty()) found.push_back(host + t);
    if (std::string q = output_of(ns + "tc qdisc show dev eth0 | grep tbf"); !q.empty()) found.push_back(host + q);
    if (std::string b = output_of("ls -A " + bed.data_dir(i)); !b.empty()) found.push_back(host + "data: " + b);
    const std::string processes = output_of("for p in $(ip netns pids " + bed.netns(i) +
                                            "); do ps -o stat=,comm= -p $p; done | grep -v ' sshd$'");
    if (!processes.empty()) found.push_back(host + "processes: " + processes);
  }
  return found;
}

// Waits (up to `timeout`) until the bed's hosts hold nothing of firedrill's; what is left then.
inline std::vector<std::string> wait_bed_clean(const SshTestbed& bed, int hosts, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = bed_residue(bed, hosts);
    if (left.empty() || Clock::now() >= deadline) return left;
    std::this_thread::sleep_for(milliseconds(250));
  }
}

inline std::string joined_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  return text;
}

}  // namespace firedrill::testing
