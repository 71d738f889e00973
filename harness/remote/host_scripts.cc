// Host-side scripts; see host_scripts.h.
#include "remote/host_scripts.h"

#include <arpa/inet.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdio>

#include "lab/clock/clock_control.h"
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
  // -e: nft echoes what the kernel committed (its notifications), so the drop rule in the echo
  // proves the change in effect.
  c.apply_verified = "printf '%s' " + shell_quote(rules) + " | nft -e -f - | grep -q drop";
  return c;
}

// `bytes` for sh's printf: every byte as an octal escape.
std::string octal(const void* bytes, std::size_t n) {
  std::string text;
  const auto* p = static_cast<const unsigned char*>(bytes);
  for (std::size_t i = 0; i < n; ++i) {
    char escape[6];
    std::snprintf(escape, sizeof escape, "\\%03o", p[i]);
    text += escape;
  }
  return text;
}

// Writes `n` bytes at `offset` of the file `path`, in one write() of dd's.
std::string write_at(const std::string& path, std::size_t offset, const void* bytes, std::size_t n) {
  return "printf '" + octal(bytes, n) + "' | dd of=" + shell_quote(path) + " bs=" + std::to_string(n) +
         " count=1 seek=" + std::to_string(offset) + " oflag=seek_bytes iflag=fullblock conv=notrunc status=none";
}

// The fields of a clock page from real_anchor_ns to generation, as the page holds them.
std::string clock_fields(const std::string& path, int64_t real_anchor_ns, int64_t fake_anchor_ns, double rate,
                         uint64_t generation) {
  struct {
    int64_t real_anchor, fake_anchor;
    uint64_t rate_bits, generation;
  } fields{real_anchor_ns, fake_anchor_ns, std::bit_cast<uint64_t>(rate), generation};
  static_assert(offsetof(ClockControl, generation) - offsetof(ClockControl, real_anchor_ns) == 24);
  const uint32_t odd = static_cast<uint32_t>(generation * 2 + 1), even = static_cast<uint32_t>(generation * 2 + 2);
  return write_at(path, offsetof(ClockControl, sequence), &odd, 4) + " && " +
         write_at(path, offsetof(ClockControl, real_anchor_ns), &fields, sizeof fields) + " && " +
         write_at(path, offsetof(ClockControl, sequence), &even, 4);
}

bool is_ipv4(const std::string& address) {
  in_addr parsed{};
  return ::inet_pton(AF_INET, address.c_str(), &parsed) == 1;
}

}  // namespace

Result<HostChange> nft_drop(const std::string& run_id, int id, const std::vector<std::string>& from,
                            const std::vector<std::string>& to) {
  if (from.empty() && to.empty()) return Status::error("a cut needs at least one peer address");
  for (const auto* addresses : {&from, &to}) {
    for (const auto& p : *addresses) {
      if (!is_ipv4(p)) return Status::error("\"" + p + "\" is not an IPv4 address");
    }
  }
  auto set = [](const std::vector<std::string>& addresses) {
    std::string text;
    for (const auto& p : addresses) text += (text.empty() ? "" : ", ") + p;
    return "{ " + text + " }";
  };
  return nft_chains(run_id, id, from.empty() ? "" : "ip saddr " + set(from) + " drop",
                    to.empty() ? "" : "ip daddr " + set(to) + " drop");
}

Result<HostChange> nft_cut(const std::string& run_id, int id, const std::vector<std::string>& peers,
                           CutDirection direction) {
  if (peers.empty()) return Status::error("a cut needs at least one peer address");
  const std::vector<std::string> none;
  return nft_drop(run_id, id, direction != CutDirection::outgoing ? peers : none,
                  direction != CutDirection::incoming ? peers : none);
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

std::string clock_page_create(const std::string& path) {
  const std::string temporary = path + ".tmp";
  const uint64_t magic = clock_control_magic;
  const uint64_t one = std::bit_cast<uint64_t>(1.0);
  return "mkdir -p \"$(dirname " + shell_quote(path) + ")\" && head -c " + std::to_string(clock_control_bytes) +
         " /dev/zero >" + shell_quote(temporary) + " && chmod 0644 " + shell_quote(temporary) + " && " +
         write_at(temporary, 0, &magic, 8) + " && " + write_at(temporary, offsetof(ClockControl, rate_bits), &one, 8) +
         " && mv " + shell_quote(temporary) + " " + shell_quote(path);
}

HostChange clock_set(const std::string& path, int64_t real_anchor_ns, int64_t fake_anchor_ns, double rate,
                     uint64_t generation) {
  HostChange c;
  c.apply = clock_fields(path, real_anchor_ns, fake_anchor_ns, rate, generation);
  // A node reads its clock when it next needs the time: its acknowledgement is awaited (4 s).
  auto acknowledged = [&path](uint64_t g) {
    const std::string seen = "[ \"$(" + clock_seen_script(path) + ")\" -ge " + std::to_string(g) + " ]";
    return "n=0; until " + seen + "; do n=$((n+1)); [ $n -gt 80 ] && break; sleep 0.05; done; " + seen;
  };
  c.verify = acknowledged(generation);
  // The identity back; a node that is gone cannot acknowledge, which is no failure of the undo.
  c.revert = clock_fields(path, 0, 0, 1.0, generation + 1) + " && { " + acknowledged(generation + 1) + "; true; }";
  return c;
}

std::string clock_seen_script(const std::string& path) {
  return "od -A n -t u8 -j " + std::to_string(offsetof(ClockControl, seen_generation)) + " -N 8 " + shell_quote(path) +
         " | tr -d ' '";
}

std::string tools_check_script(const std::vector<std::string>& tools) {
  std::string script = "missing=0; ";
  for (const auto& t : tools) {
    script += "command -v " + shell_quote(t) + " >/dev/null 2>&1 || { echo " + shell_quote(t) + "; missing=1; }; ";
  }
  return script + "exit $missing";
}

}  // namespace firedrill
