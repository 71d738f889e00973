// A test bed of SSH hosts for one test binary (sample-system/hosts/testbed.sh): up in the
// constructor, down in the destructor, with a name, directory and subnet of its own so that
// test binaries running at once do not meet. Root, sshd and nft are required (FIREDRILL_REQUIRE
// in the tests: a laptop skips, CI fails).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "testing/read_file.h"

namespace firedrill::testing {

class SshTestbed {
 public:
  // `tag` (2-4 letters) and `subnet_octet` (the third octet of 10.78.X.0/24) must differ between
  // test binaries.
  SshTestbed(const std::string& tag, int subnet_octet, int hosts) {
    name_ = "fd" + tag;
    dir_ = "/run/firedrill-testbed-" + tag;
    subnet_ = "10.78." + std::to_string(subnet_octet);
    script_ = std::string(FIREDRILL_SOURCE_DIR) + "/sample-system/hosts/testbed.sh";
    if (::geteuid() != 0 || ::access("/usr/sbin/sshd", X_OK) != 0) {
      why_ = "root and sshd (openssh-server) are needed for the SSH test bed";
      return;
    }
    shell(script_ + " down --dir " + dir_ + " --name " + name_ + " >/dev/null 2>&1");
    const std::string up = script_ + " up --hosts " + std::to_string(hosts) + " --dir " + dir_ + " --subnet " +
                           subnet_ + " --name " + name_ + " >" + dir_ + ".log 2>&1";
    const bool made = shell(up) == 0;
    if (!made) why_ = "testbed.sh up failed: " + read_file(dir_ + ".log");
    std::remove((dir_ + ".log").c_str());
    up_ = made;
  }
  ~SshTestbed() {
    if (up_) shell(script_ + " down --dir " + dir_ + " --name " + name_ + " >/dev/null 2>&1");
  }
  bool up() const { return up_; }
  const std::string& why_not() const { return why_; }
  const std::string& dir() const { return dir_; }
  // Host i (1-based): its address on the bed's bridge.
  std::string address(int i) const { return subnet_ + "." + std::to_string(10 + i); }
  // An address on the bridge where no host is.
  std::string nobody() const { return subnet_ + ".99"; }
  std::string identity() const { return dir_ + "/id_ed25519"; }
  std::string known_hosts() const { return dir_ + "/known_hosts"; }
  std::string netns(int i) const { return name_ + "-host" + std::to_string(i); }
  // "10.78.X": the bed's subnet without its last octet.
  const std::string& subnet() const { return subnet_; }
  // The bed's end of host i's link (on its bridge): down, the host drops off the network.
  std::string link(int i) const { return name_ + std::to_string(i); }
  // Host i's data volume (a tmpfs of its own).
  std::string data_dir(int i) const { return dir_ + "/host" + std::to_string(i) + "/data"; }
  static int shell(const std::string& command) { return std::system(command.c_str()); }

 private:
  std::string name_, dir_, subnet_, script_, why_;
  bool up_ = false;
};

}  // namespace firedrill::testing
