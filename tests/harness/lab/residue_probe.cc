// residue_probe: a miniature controller for the residue tests (residue_test.cc, lab_test.cc). It
// enters the lab, builds a 3-node lab network and one tmpfs volume per node under the run
// directory given as argv[1], starts one `/bin/sleep 300` per node in the node's network namespace,
// prints "ready" and runs until a SIGINT or SIGTERM (or until it is killed).
//
// Every process it starts carries its own FIREDRILL_RESIDUE environment variable (set by the test),
// so that the test can find leftovers through /proc/PID/environ. Errors go to stderr, exit code 1.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "lab/lab.h"
#include "lab/network.h"
#include "lab/volumes.h"
#include "supervision/supervisor.h"

namespace {

// Each node's volume, in bytes.
constexpr int64_t volume_bytes = 4 * 1024 * 1024;
// How often the probe reaps orphans, as a controller would.
constexpr std::chrono::milliseconds reap_period_ms(200);
// Name of the marker variable; its value is chosen by the test.
constexpr const char* marker_variable = "FIREDRILL_RESIDUE";

int fail(const std::string& what) {
  std::fprintf(stderr, "residue_probe: %s\n", what.c_str());
  return 1;
}

// Reaps orphans every reap_period_ms, skipping the Supervisor's own children.
void schedule_reaping(boost::asio::steady_timer& timer, const firedrill::Supervisor& supervisor,
                      const firedrill::LabNetworkSpec& spec) {
  timer.expires_after(reap_period_ms);
  timer.async_wait([&timer, &supervisor, &spec](const boost::system::error_code& error) {
    if (error) return;
    firedrill::reap_orphans([&](pid_t pid) {
      for (const std::string& node : spec.nodes) {
        if (supervisor.pid(node) == pid) return true;
      }
      return false;
    });
    schedule_reaping(timer, supervisor, spec);
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return fail("usage: residue_probe RUN_DIR");
  const char* marker = std::getenv(marker_variable);
  if (marker == nullptr) return fail(std::string(marker_variable) + " is not set");

  firedrill::Result<firedrill::LabInfo> lab = firedrill::enter_lab();
  if (!lab) return fail(lab.status().message());

  firedrill::LabNetworkSpec spec;
  spec.nodes = {"res-a", "res-b", "res-c"};
  auto network = firedrill::LabNetwork::create(spec);
  if (!network) return fail(network.status().message());
  std::vector<std::pair<std::string, int64_t>> sizes;
  for (const std::string& node : spec.nodes) sizes.emplace_back(node, volume_bytes);
  // res-a's volume is the durability-tracking FUSE filesystem (power.loss), as a drill's would be;
  // where FUSE is refused (an ordinary user without /dev/fuse), plain volumes, and the ready line
  // says why.
  std::string durable = "durable";
  auto volumes = firedrill::Volumes::create(argv[1], sizes, {"res-a"});
  if (!volumes) {
    durable = "no-durable: " + volumes.status().message();
    volumes = firedrill::Volumes::create(argv[1], sizes);
  }
  if (!volumes) return fail(volumes.status().message());

  boost::asio::io_context io;
  // As PID 1 the probe ignores every signal it has no handler for, SIGTERM included (lab.h).
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
  firedrill::Supervisor supervisor(io, [](const firedrill::ProcessEvent&) {});
  for (const std::string& node : spec.nodes) {
    firedrill::ProcessSpec process;
    process.name = node;
    process.argv = {"/bin/sleep", "300"};
    process.env = {{marker_variable, marker}};
    process.netns_fd = (*network)->netns_fd(node);
    process.working_dir = (*volumes)->path(node);
    if (firedrill::Status status = supervisor.start(process); !status) {
      return fail(status.message());
    }
  }
  boost::asio::steady_timer reap_timer(io);
  schedule_reaping(reap_timer, supervisor, spec);

  std::printf("ready %s %s\n", lab->user_namespace ? "user-namespace" : "root", durable.c_str());
  std::fflush(stdout);
  io.run();
  return 0;
}
