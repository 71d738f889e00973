// Reading a node's process tree and its memory maps; see shim_presence.h.
#include "lab/clock/shim_presence.h"

#include <dirent.h>

#include <cstdlib>
#include <optional>
#include <fstream>
#include <map>
#include <sstream>

namespace firedrill {
namespace {

// The most processes of one tree looked at (a node is a service, not a fork bomb).
constexpr std::size_t process_tree_max = 4'096;

// The parent pid in /proc/PID/stat; the command may hold spaces and parentheses, so the fields
// are read after the last ')'.
std::optional<pid_t> parent_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  char state = 0;
  long parent = 0;
  if (!(fields >> state >> parent)) return std::nullopt;
  return static_cast<pid_t>(parent);
}

std::string program_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

}  // namespace

std::vector<pid_t> process_tree(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  if (DIR* proc = opendir("/proc")) {
    while (dirent* entry = readdir(proc)) {
      char* end = nullptr;
      const long pid = std::strtol(entry->d_name, &end, 10);
      if (*end != '\0' || pid <= 0) continue;
      if (auto parent = parent_of(static_cast<pid_t>(pid))) children.emplace(*parent, static_cast<pid_t>(pid));
    }
    closedir(proc);
  }
  std::vector<pid_t> tree{root};
  for (std::size_t i = 0; i < tree.size() && tree.size() < process_tree_max; ++i) {
    auto [first, last] = children.equal_range(tree[i]);
    for (auto it = first; it != last && tree.size() < process_tree_max; ++it) tree.push_back(it->second);
  }
  return tree;
}

Result<std::vector<ShimPresence>> shim_presence(pid_t root, const std::string& shim_path) {
  std::vector<ShimPresence> presence;
  for (pid_t pid : process_tree(root)) {
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    if (!maps) {
      if (pid == root) return Status::error("pid " + std::to_string(root) + ": cannot read /proc/" +
                                            std::to_string(root) + "/maps (has it exited?)");
      continue;  // a child that ended meanwhile
    }
    ShimPresence process{pid, program_of(pid), false};
    // Each mapped file's line ends with its path: " /path/to/libfiredrill-clock.so".
    for (std::string line; !process.loaded && std::getline(maps, line);) {
      process.loaded = line.size() > shim_path.size() &&
                       line.compare(line.size() - shim_path.size(), shim_path.size(), shim_path) == 0 &&
                       line[line.size() - shim_path.size() - 1] == ' ';
    }
    presence.push_back(std::move(process));
  }
  return presence;
}

Status require_shim_everywhere(const std::vector<ShimPresence>& presence) {
  for (const ShimPresence& p : presence) {
    if (p.loaded) continue;
    return Status::error("its process (pid " + std::to_string(p.pid) + ", " + p.program +
                         ") does not load the clock shim (statically linked, or LD_PRELOAD cleared)");
  }
  return Status::ok();
}

}  // namespace firedrill
