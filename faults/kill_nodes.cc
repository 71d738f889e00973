// The nodes of a machine-wide fault, and their death; see kill_nodes.h.
#include "kill_nodes.h"

#include <csignal>
#include <memory>
#include <sstream>

namespace firedrill {
namespace {

struct Killing {
  Place& place;
  std::vector<std::string> nodes;
  std::function<void(Status, boost::json::array)> done;
  boost::json::array killed;
};

// Signals node `i` if it runs, then the next; once all are sent, waits until all are reaped.
void kill_next(std::shared_ptr<Killing> k, std::size_t i) {
  if (i == k->nodes.size()) {
    return k->place.wait_exit(k->nodes, [k](Status s, Evidence) { k->done(s, std::move(k->killed)); });
  }
  const std::string node = k->nodes[i];
  k->place.process_state(node, [k, i, node](Result<ProcessState> state) {
    const int pid = state && state->running ? state->pid : 0;
    k->killed.push_back(boost::json::object{{"node", node}, {"pid", pid}});
    if (pid == 0) return kill_next(k, i + 1);
    k->place.signal_node(node, SIGKILL, true, [k, i](Status sent, Evidence) {
      if (!sent) return k->done(sent, std::move(k->killed));
      kill_next(k, i + 1);
    });
  });
}

}  // namespace

std::vector<std::string> split_nodes(const std::string& joined) {
  std::vector<std::string> nodes;
  std::stringstream in(joined);
  for (std::string node; std::getline(in, node, ',');) {
    if (!node.empty()) nodes.push_back(node);
  }
  return nodes;
}

void kill_nodes(Place& place, const std::vector<std::string>& nodes,
                std::function<void(Status, boost::json::array)> done) {
  kill_next(std::make_shared<Killing>(Killing{place, nodes, std::move(done), {}}), 0);
}

}  // namespace firedrill
