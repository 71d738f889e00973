// Host-side scripts; see host_scripts.h.
#include "remote/host_scripts.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

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

namespace {

// One change's pair of base chains in firedrill's table, made in one nft transaction (-f): the
// table, both chains and their rules appear together or not at all. The undo deletes only these
// chains, then the table if nothing of firedrill's is left in it.
HostChange nft_chains(const std::string& run_id, int id, const std::string& in_rules, const std::string& out_rules) {
  const std::string table = "inet " + nft_table_name(run_id);
  const std::string in = "c" + std::to_string(id) + "_in", out = "c" + std::to_string(id) + "_out";
  std::string rules = "add table " + table + "\n" +
                      "add chain " + table + " " + in + " { type filter hook input priority -10; policy accept; }\n" +
                      "add chain " + table + " " + out + " { type filter hook output priority -10; policy accept; }\n";
  for (const auto& [chain, body] : {std::pair{in, in_rules}, std::pair{out, out_rules}}) {
    std::size_t start = 0;
    while (start < body.size()) {
      const auto end = std::min(body.find('\n', start), body.size());
      if (end > start) rules += "add rule " + table + " " + chain + " " + body.substr(start, end - start) + "\n";
      start = end + 1;
    }
  }
  HostChange c;
  c.apply = "printf '%s' " + shell_quote(rules) + " | nft -f -";
  c.revert = "for chain in " + in + " " + out + "; do nft delete chain " + table +
             " $chain 2>/dev/null; done; nft list table " + table +
             " 2>/dev/null | grep -q chain || nft delete table " + table + " 2>/dev/null; true";
  c.verify = "nft list chain " + table + " " + (in_rules.empty() ? out : in) + " | grep -q drop";
  return c;
}

bool is_ipv4(const std::string& address) {
  in_addr parsed{};
  return ::inet_pton(AF_INET, address.c_str(), &parsed) == 1;
}

}  // namespace

Result<HostChange> nft_cut(const std::string& run_id, int id, const std::vector<std::string>& peers,
                           CutDirection direction) {
  if (peers.empty()) return Status::error("a cut needs at least one peer address");
  for (const auto& p : peers) {
    if (!is_ipv4(p)) return Status::error("\"" + p + "\" is not an IPv4 address");
  }
  std::string set;
  for (const auto& p : peers) set += (set.empty() ? "" : ", ") + p;
  set = "{ " + set + " }";
  const bool in = direction != CutDirection::outgoing, out = direction != CutDirection::incoming;
  return nft_chains(run_id, id, in ? "ip saddr " + set + " drop" : "", out ? "ip daddr " + set + " drop" : "");
}

Result<HostChange> nft_isolate(const std::string& run_id, int id, const std::string& controller, int ssh_port) {
  if (!is_ipv4(controller)) return Status::error("\"" + controller + "\" is not an IPv4 address");
  const std::string port = std::to_string(ssh_port);
  return nft_chains(run_id, id,
                    "iif lo accept\nip saddr " + controller + " tcp dport " + port + " accept\ndrop",
                    "oif lo accept\nip daddr " + controller + " tcp sport " + port + " accept\ndrop");
}

HostChange tc_rate(const std::string& address, int id, long long rate_bits_per_s) {
  char handle[16];
  std::snprintf(handle, sizeof handle, "f%03x:", id & 0xfff);
  // The interface holding the address (the node's link), found on the host.
  const std::string dev = "dev=$(ip -o -4 addr show | awk -v a=" + shell_quote(address) +
                          " '{split($4, p, \"/\"); if (p[1] == a) print $2}' | head -n 1); [ -n \"$dev\" ] || "
                          "{ echo \"no interface holds " + address + "\"; false; } && ";
  // As in the lab: a burst of 10 ms at the rate (at least 16 KiB), 50 ms of queue.
  const long long burst = std::max(16LL * 1024, rate_bits_per_s / 8 / 100);
  HostChange c;
  c.apply = dev + "tc qdisc add dev \"$dev\" root handle " + handle + " tbf rate " + std::to_string(rate_bits_per_s) +
            "bit burst " + std::to_string(burst) + " latency 50ms";
  c.revert = dev + "if tc qdisc show dev \"$dev\" | grep -q '^qdisc tbf " + handle +
             " root'; then tc qdisc del dev \"$dev\" root handle " + handle + "; fi; true";
  c.verify = dev + "tc qdisc show dev \"$dev\" | grep -q '^qdisc tbf " + handle + " root'";
  return c;
}

HostChange fill_to(const std::string& dir, const std::string& name, int percent) {
  const std::string d = shell_quote(dir), f = shell_quote(dir + "/" + name);
  const std::string usage = "set -- $(df -B1 --output=size,avail " + d + " | tail -n 1); size=$1; avail=$2; ";
  HostChange c;
  if (percent >= 100) {
    // fallocate takes most of it at once; the rest is written until the file system refuses.
    c.apply = usage + "fallocate -l $avail " + f + " 2>/dev/null || fallocate -l $((avail > 1048576 ? avail - 1048576 : 0)) " +
              f + " 2>/dev/null; cat /dev/zero >>" + f + " 2>/dev/null; [ -e " + f + " ]";
    c.verify = "if printf x >" + shell_quote(dir + "/" + name + ".probe") + " 2>/dev/null && sync " +
               shell_quote(dir + "/" + name + ".probe") + " 2>/dev/null; then rm -f " + shell_quote(dir + "/" + name + ".probe") +
               "; false; else rm -f " + shell_quote(dir + "/" + name + ".probe") + "; true; fi";
  } else {
    const std::string p = std::to_string(percent);
    c.apply = usage + "want=$(( size / 100 * " + p + " - (size - avail) )); [ $want -le 0 ] || fallocate -l $want " + f;
    c.verify = usage + "[ $(( (size - avail) * 100 / size )) -ge " + std::to_string(percent - 1) + " ]";
  }
  c.revert = "rm -f " + f;
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
