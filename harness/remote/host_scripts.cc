// Host-side scripts; see host_scripts.h.
#include "remote/host_scripts.h"

#include <arpa/inet.h>

#include "remote/ssh_command.h"

namespace firedrill {

std::string nft_table_name(const std::string& run_id) {
  std::string clean;
  for (const char c : run_id) {
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    const bool plain = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
    clean += plain ? lower : '_';
  }
  return "firedrill_" + clean.substr(0, 40);
}

Result<HostChange> nft_cut(const std::string& run_id, int id, const std::vector<std::string>& peers) {
  if (peers.empty()) return Status::error("a cut needs at least one peer address");
  for (const auto& p : peers) {
    in_addr parsed{};
    if (::inet_pton(AF_INET, p.c_str(), &parsed) != 1) return Status::error("\"" + p + "\" is not an IPv4 address");
  }
  const std::string table = "inet " + nft_table_name(run_id);
  const std::string in = "c" + std::to_string(id) + "_in", out = "c" + std::to_string(id) + "_out";
  std::string set;
  for (const auto& p : peers) set += (set.empty() ? "" : ", ") + p;
  set = "{ " + set + " }";
  // One nft transaction (-f): the table, both chains and their rules appear together or not at all.
  const std::string rules = "add table " + table + "\n" +
                            "add chain " + table + " " + in + " { type filter hook input priority -10; policy accept; }\n" +
                            "add chain " + table + " " + out + " { type filter hook output priority -10; policy accept; }\n" +
                            "add rule " + table + " " + in + " ip saddr " + set + " drop\n" +
                            "add rule " + table + " " + out + " ip daddr " + set + " drop\n";
  HostChange c;
  c.apply = "printf '%s' " + shell_quote(rules) + " | nft -f -";
  // Only this change's chains; then the table if nothing of firedrill's is left in it.
  c.revert = "for chain in " + in + " " + out + "; do nft delete chain " + table +
             " $chain 2>/dev/null; done; nft list table " + table +
             " 2>/dev/null | grep -q chain || nft delete table " + table + " 2>/dev/null; true";
  c.verify = "nft list chain " + table + " " + in + " | grep -q drop && nft list chain " + table + " " + out +
             " | grep -q drop";
  return c;
}

HostChange ballast(const std::string& path, long long bytes) {
  const std::string p = shell_quote(path);
  HostChange c;
  c.apply = "fallocate -l " + std::to_string(bytes) + " " + p;
  c.revert = "rm -f " + p;
  c.verify = "[ \"$(( $(stat -c '%b*%B' " + p + ") ))\" -ge " + std::to_string(bytes) + " ]";
  return c;
}

std::string tools_check_script(const std::vector<std::string>& tools) {
  std::string script = "missing=0; ";
  for (const auto& t : tools) {
    script += "command -v " + shell_quote(t) + " >/dev/null 2>&1 || { echo " + shell_quote(t) + "; missing=1; }; ";
  }
  return script + "exit $missing";
}

}  // namespace firedrill
