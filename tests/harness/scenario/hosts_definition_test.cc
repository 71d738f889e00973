// A system definition whose nodes live on hosts over SSH (scenario/ssh_url.h, the node's host
// keys and the [ssh] table): what loads, and the exact error of each mistake.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "scenario/scenario.h"
#include "scenario/ssh_url.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

TEST(SshUrl, UserAddressAndPort) {
  auto plain = parse_ssh_url("ssh://root@10.77.0.11");
  ASSERT_TRUE(plain) << plain.status().message();
  EXPECT_EQ(plain->user, "root");
  EXPECT_EQ(plain->address, "10.77.0.11");
  EXPECT_EQ(plain->port, 22);
  auto ported = parse_ssh_url("ssh://ops@db-1.example:2222");
  ASSERT_TRUE(ported);
  EXPECT_EQ(ported->text(), "ops@db-1.example:2222");
  auto v6 = parse_ssh_url("ssh://root@[fd00::1]:22");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->address, "fd00::1");
  EXPECT_EQ(v6->text(), "root@[fd00::1]:22");
  for (const char* bad : {"root@10.0.0.1", "ssh://10.0.0.1", "ssh://root@", "ssh://root@h:0", "ssh://root@h:99999",
                          "ssh://root@h:22x", "ssh://ro;ot@h", "ssh://root@-oProxyCommand=x", "ssh://root@[::1",
                          "ssh://root@h:"}) {
    EXPECT_FALSE(parse_ssh_url(bad)) << bad;
  }
}

class HostsDefinition : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hosts-def-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "id").close();
    std::ofstream(dir_ / "known_hosts").close();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string ssh_table() const {
    return "[ssh]\nidentity_file = \"" + (dir_ / "id").string() + "\"\nknown_hosts = \"" +
           (dir_ / "known_hosts").string() + "\"\ncontroller_address = \"10.77.0.1\"\n";
  }
  // A definition of node `db` (with `db_lines`) and node `web` (with `web_lines`), then `tail`.
  std::variant<SystemDefinition, Diagnostics> load(const std::string& db_lines, const std::string& web_lines,
                                                   const std::string& tail) {
    const fs::path path = dir_ / "system.toml";
    std::ofstream(path) << "[system]\nname = \"hosted\"\n"
                           "[[node]]\nname = \"db\"\ncommand = [\"/usr/bin/db\"]\n"
                        << db_lines << "\n[[node]]\nname = \"web\"\ncommand = [\"/usr/bin/web\"]\n"
                        << web_lines << "\n[payments]\nbase_url = \"http://{node.web.address}:1\"\n"
                        << tail;
    return load_system_definition(path.string());
  }
  std::string errors(const std::variant<SystemDefinition, Diagnostics>& loaded) {
    if (!std::holds_alternative<Diagnostics>(loaded)) return "(loaded)";
    return std::get<Diagnostics>(loaded).text();
  }

  fs::path dir_;
};

TEST_F(HostsDefinition, StartedAndAttachedNodesLoad) {
  auto loaded = load("host = \"ssh://root@10.77.0.11\"\ndata_dir = \"/var/lib/db\"",
                     "host = \"ssh://root@10.77.0.12:2222\"\ndata_dir = \"/srv/web\"\n"
                     "pid_command = \"systemctl show -p MainPID --value web\"\n"
                     "start = \"systemctl start web\"\nstop = \"systemctl stop web\"",
                     ssh_table() + "connect_timeout = \"3s\"\n");
  ASSERT_TRUE(std::holds_alternative<SystemDefinition>(loaded)) << errors(loaded);
  const SystemDefinition& s = std::get<SystemDefinition>(loaded);
  EXPECT_TRUE(s.on_hosts());
  EXPECT_FALSE(s.nodes[0].attached());
  EXPECT_EQ(s.nodes[0].data_dir, "/var/lib/db");
  EXPECT_TRUE(s.nodes[1].attached());
  EXPECT_EQ(s.nodes[1].stop_command, "systemctl stop web");
  EXPECT_EQ(s.ssh.connect_timeout, Milliseconds(3'000));
  EXPECT_EQ(s.ssh.config, "none");
  EXPECT_EQ(s.ssh.controller_address, "10.77.0.1");
}

TEST_F(HostsDefinition, ABadHostUrlIsAnErrorAtItsKey) {
  const std::string text = errors(load("host = \"root@10.77.0.11\"\ndata_dir = \"/d\"",
                                       "host = \"ssh://root@10.77.0.12\"\ndata_dir = \"/d\"", ssh_table()));
  EXPECT_NE(text.find("system.toml:6:8: node[0].host: \"root@10.77.0.11\" is not an ssh:// URL"), std::string::npos)
      << text;
  // That one mistake, said once: not also "data_dir only on a host" or "no host while others have one".
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
}

TEST_F(HostsDefinition, EveryNodeOnAHostOrNone) {
  const std::string text = errors(load("host = \"ssh://root@10.77.0.11\"", "", ssh_table()));
  EXPECT_NE(text.find("node: node web has no host while others have one"), std::string::npos) << text;
}

TEST_F(HostsDefinition, NodesOnHostsNeedTheSshTableAndADataDir) {
  const std::string missing = errors(load("host = \"ssh://root@h1\"", "host = \"ssh://root@h2\"", ""));
  EXPECT_NE(missing.find("ssh: required: a table"), std::string::npos) << missing;
  EXPECT_NE(missing.find("node[0].host: a node on a host names its data_dir"), std::string::npos) << missing;
  // The key files are read when a drill starts, on the machine that runs it: a definition (and
  // the scenario library) validates anywhere.
  auto elsewhere = load("host = \"ssh://root@h1\"\ndata_dir = \"/d\"", "host = \"ssh://root@h2\"\ndata_dir = \"/d\"",
                        "[ssh]\nidentity_file = \"/nonexistent/id\"\nknown_hosts = \"/nonexistent/kh\"\n"
                        "controller_address = \"10.0.0.1\"\nswitch_grace = \"5s\"\nheartbeat_grace = \"4s\"\n");
  ASSERT_TRUE(std::holds_alternative<SystemDefinition>(elsewhere)) << errors(elsewhere);
  EXPECT_EQ(std::get<SystemDefinition>(elsewhere).ssh.switch_grace, Milliseconds(5'000));
  EXPECT_EQ(std::get<SystemDefinition>(elsewhere).ssh.heartbeat_grace, Milliseconds(4'000));
}

TEST_F(HostsDefinition, ACountedNodeGetsAHostAndDataDirPerCopy) {
  const fs::path path = dir_ / "counted.toml";
  std::ofstream(path) << "[system]\nname = \"counted\"\n"
                         "[[node]]\nname = \"db-{i}\"\ncount = 3\ncommand = [\"/usr/bin/db\"]\n"
                         "host = \"ssh://root@10.77.0.1{i}\"\ndata_dir = \"/data/{i}\"\n"
                         "[payments]\nbase_url = \"http://{node.db-1.address}:1\"\n"
                      << ssh_table();
  auto loaded = load_system_definition(path.string());
  ASSERT_TRUE(std::holds_alternative<SystemDefinition>(loaded)) << errors(loaded);
  const SystemDefinition& s = std::get<SystemDefinition>(loaded);
  ASSERT_EQ(s.nodes.size(), 3u);
  EXPECT_EQ(s.nodes[2].host, "ssh://root@10.77.0.13");
  EXPECT_EQ(s.nodes[2].data_dir, "/data/3");
}

TEST_F(HostsDefinition, AnAttachedNodeNamesStartAndStop) {
  const std::string text =
      errors(load("host = \"ssh://root@h1\"\ndata_dir = \"/d\"\npid_command = \"pgrep -o db\"", "host = \"ssh://root@h2\"", ssh_table()));
  EXPECT_NE(text.find("node[0].pid_command: an attached node (pid_command) also names its start and stop commands"),
            std::string::npos)
      << text;
  const std::string started =
      errors(load("host = \"ssh://root@h1\"\nstart = \"db &\"", "host = \"ssh://root@h2\"", ssh_table()));
  EXPECT_NE(started.find("node[0].start: start and stop are for an attached node"), std::string::npos) << started;
}

TEST_F(HostsDefinition, HostKeysOnALabNodeAreRefused) {
  const std::string text = errors(load("data_dir = \"/var/lib/db\"", "", ""));
  EXPECT_NE(text.find("node[0].data_dir: only a node on a host (host = \"ssh://...\") has data_dir"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace firedrill
