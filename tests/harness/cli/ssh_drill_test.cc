// Drills of refpay deployed on hosts over SSH (issue [3/6]): real sshd processes in network
// namespaces (sample-system/hosts/testbed.sh), one bed per test (each its own subnet), the
// library's scenarios/hosts/ moved onto it. The game day ends as in the lab; the async loss loses
// exactly the payments the independent count says; a host that drops off mid-drill makes the
// drill inconclusive and its own switch undoes its fault; hosts that cannot be reached, keys
// that do not match, are refused before anything starts. Needs root, sshd and nft (skips
// elsewhere, fails in CI).
#include <set>

#include "harness/cli/ssh_fixture.h"
#include "testing/prerequisite.h"

namespace firedrill::testing {
namespace {

constexpr int kHosts = 5;

#define REQUIRE_BED(bed) FIREDRILL_REQUIRE((bed).up(), (bed).why_not())

TEST(SshDrill, TheGameDayOnHostsEndsAsInTheLabAndLeavesTheHostsAsTheyWere) {
  SshTestbed bed("sg", 21, kHosts);
  REQUIRE_BED(bed);
  const std::string dir = make_temp_dir();
  const std::string scenario = bed_scenario(kSource / "scenarios/hosts/gameday.toml", bed_definition(bed, dir), dir);
  Drill d = run_to_end(scenario, dir + "/run", milliseconds(240'000));
  const std::string log = text_of(d.dir + ".log");
  // As the lab's game day (gameday_test): every fault detected and recovered, nothing lost.
  ASSERT_EQ(d.exit_code, 0) << log;
  EXPECT_EQ(d.report.at("verdict"), "pass");
  EXPECT_EQ(d.report.at("reconciliation").at("lost").as_int64(), 0);
  const auto& faults = d.report.at("faults").as_array();
  ASSERT_EQ(faults.size(), 4u);
  for (const auto& f : faults) {
    EXPECT_TRUE(f.at("detected").as_bool()) << f;
    EXPECT_TRUE(f.at("recovered").as_bool()) << f;
    // Detected through refpay's rules in the Prometheus and Alertmanager firedrill ran on host 4.
    EXPECT_TRUE(f.at("detection_stages").is_object()) << f;
  }
  EXPECT_NE(text_of(d.dir + "/logs/prometheus.err").find("Server is ready"), std::string::npos);
  // Each remote step's round trip is on the timeline as its uncertainty.
  int measured = 0;
  for (const auto& r : d.timeline) {
    if (r.at("source") == "fault" && r.at("kind") == "applied" && r.at("evidence").as_object().contains("remote")) ++measured;
  }
  EXPECT_EQ(measured, 4) << "every applied fault carries its remote round trips";
  // The nodes' logs came home; the hosts hold nothing of the drill.
  EXPECT_NE(text_of(d.dir + "/logs/ledger-1.err").find("listening on " + bed.address(1)), std::string::npos);
  EXPECT_EQ(joined_lines(wait_bed_clean(bed, kHosts, milliseconds(5'000))), "");
  EXPECT_EQ(output_of("find " + bed.dir() + "/host4/monitoring -mindepth 2"), "");
  if (!HasFailure()) fs::remove_all(dir);
}

TEST(SshDrill, AsyncLossOnHostsLosesExactlyThePaymentsOnlyThePrimaryHeld) {
  SshTestbed bed("sl", 22, kHosts);
  REQUIRE_BED(bed);
  const std::string dir = make_temp_dir();
  const std::string scenario = bed_scenario(kSource / "scenarios/hosts/async-loss.toml", bed_definition(bed, dir), dir);
  Drill d = run_to_end(scenario, dir + "/run");
  ASSERT_EQ(d.exit_code, 2) << text_of(d.dir + ".log");
  EXPECT_EQ(d.report.at("verdict"), "safety_failure");

  // Independently: acknowledged keys from the timeline, minus the keys in every ledger's export.
  std::vector<std::string> disagreements;
  const std::set<std::string> lost = independently_lost(d, &disagreements);
  EXPECT_TRUE(disagreements.empty()) << disagreements.front();
  EXPECT_FALSE(lost.empty()) << "async with paused standbys must lose the primary's unreplicated tail";
  EXPECT_EQ(string_set(d.report.at("reconciliation").at("lost_ids")), lost);
  EXPECT_EQ(joined_lines(wait_bed_clean(bed, kHosts, milliseconds(5'000))), "");
  if (!HasFailure()) fs::remove_all(dir);
}

TEST(SshDrill, AHostThatDropsOffMakesTheDrillInconclusiveAndItsSwitchUndoesItsFault) {
  SshTestbed bed("sx", 23, kHosts);
  REQUIRE_BED(bed);
  const std::string dir = make_temp_dir();
  const std::string definition = bed_definition(bed, dir);
  const std::string scenario = dir + "/drop.toml";
  std::ofstream(scenario) << "[drill]\nname = \"host-drops-off\"\nduration = \"12s\"\nbaseline = \"1s\"\nconvergence = \"2s\"\n"
                             "[system]\ndefinition = \"" + definition + "\"\n"
                             "[workload]\nrate_per_s = 50\n"
                             "[[fault]]\nkind = \"disk.full\"\ntarget = \"ledger-3\"\nat = \"1s\"\nduration = \"4s\"\n";
  const std::string out = dir + "/run";
  const pid_t pid = start_run(scenario, out);
  ASSERT_TRUE(wait_for_record(out, "applied", milliseconds(60'000))) << text_of(out + ".log");
  // Host 3 drops off the network with its ballast in place.
  ASSERT_EQ(SshTestbed::shell("ip link set " + bed.link(3) + " down"), 0);
  const int code = wait_exit(pid, milliseconds(120'000));
  SshTestbed::shell("ip link set " + bed.link(3) + " up");
  const std::string log = text_of(out + ".log");
  EXPECT_EQ(code, 3) << log;  // inconclusive
  const auto timeline = read_timeline(out);
  EXPECT_TRUE(has(timeline, "precondition_failed", [](const json::object& r) {
    return std::string(r.at("what").as_string()).find("host lost") != std::string::npos;
  })) << log;
  // Nothing recorded is lost: the timeline's chain and the reports are whole.
  EXPECT_TRUE(fs::exists(out + "/report.json")) << log;
  EXPECT_NE(text_of(out + "/report.json").find("\"verdict\":\"inconclusive\""), std::string::npos);
  // The fault's own switch removed the ballast on the host by its deadline (the fault's end, 5 s
  // into the fault phase, plus the 2 s grace); the host-wide one stopped the nodes there.
  EXPECT_EQ(joined_lines(wait_bed_clean(bed, kHosts, milliseconds(20'000))), "");
  if (!HasFailure()) fs::remove_all(dir);
}

TEST(SshDrill, HostsThatCannotBeReachedOrDoNotMatchAreRefusedBeforeAnythingStarts) {
  SshTestbed bed("sb", 24, kHosts);
  REQUIRE_BED(bed);
  const std::string dir = make_temp_dir();
  const std::string good = text_of(bed_definition(bed, dir));
  struct Case {
    std::string name, from, to, said;
  };
  const std::vector<Case> cases{
      {"unreachable", "root@" + bed.address(4), "root@" + bed.nobody(), "cannot be reached"},
      {"unknown-key", bed.known_hosts(), dir + "/empty_known_hosts", "is not in " + dir + "/empty_known_hosts"},
      {"wrong-user", "root@" + bed.address(5), "firedrill-nouser@" + bed.address(5), "refused the key"},
  };
  std::ofstream(dir + "/empty_known_hosts") << "";
  for (const Case& c : cases) {
    std::string text = good;
    replace_all(text, c.from, c.to);
    const std::string definition = dir + "/" + c.name + ".toml";
    std::ofstream(definition) << text;
    const std::string scenario = dir + "/" + c.name + "-scenario.toml";
    std::ofstream(scenario) << "[drill]\nname = \"" + c.name + "\"\nduration = \"5s\"\n[system]\ndefinition = \"" + definition +
                                   "\"\n[[fault]]\nkind = \"process.kill\"\ntarget = \"ledger-1\"\nat = \"1s\"\n";
    Drill d = run_to_end(scenario, dir + "/" + c.name, milliseconds(60'000));
    const std::string log = text_of(d.dir + ".log");
    EXPECT_EQ(d.exit_code, 3) << c.name << ":\n" << log;
    EXPECT_NE(log.find(c.said), std::string::npos) << c.name << ":\n" << log;
    EXPECT_FALSE(has(d.timeline, "apply")) << c.name << ": no fault may start";
    EXPECT_FALSE(has(d.timeline, "started")) << c.name << ": no node may start";
  }
  EXPECT_EQ(joined_lines(wait_bed_clean(bed, kHosts, milliseconds(5'000))), "");
  if (!HasFailure()) fs::remove_all(dir);
}

// An attached node (one that already runs, as a systemd unit would) is found by its pid_command,
// killed, started again with its `start`, and left running at the end.
TEST(SshDrill, AnAttachedNodeIsRestartedWithItsStartAndLeftRunning) {
  SshTestbed bed("sa", 26, kHosts);
  REQUIRE_BED(bed);
  const std::string dir = make_temp_dir();
  const std::string pid_file = bed.dir() + "/gateway.pid";
  std::string ledgers;
  for (int i = 1; i <= 3; ++i) {
    ledgers += std::string(i > 1 ? ", " : "") + "{id = \"ledger-" + std::to_string(i) + "\", url = \"http://" + bed.address(i) +
               ":7001\"}";
  }
  const std::string start = "setsid " + firedrill_path().substr(0, firedrill_path().rfind('/')) +
                            "/refpay-gateway --set node.listen=" + bed.address(5) + ":8080 --set 'ledgers=[" + ledgers +
                            "]' </dev/null >/dev/null 2>&1 & echo $! >" + pid_file;
  const std::string pid_command = "p=$(cat " + pid_file + " 2>/dev/null); [ -n \"$p\" ] && kill -0 $p 2>/dev/null && echo $p";
  std::string definition = text_of(bed_definition(bed, dir));
  // A TOML literal string (no escapes inside): the commands hold quotes and backslashes.
  auto toml_string = [](const std::string& text) { return "\'\'\'" + text + "\'\'\'"; };
  replace_all(definition, "host = \"ssh://root@" + bed.address(5) + "\"\n",
              "host = \"ssh://root@" + bed.address(5) + "\"\npid_command = " + toml_string(pid_command) +
                  "\nstart = " + toml_string(start) + "\nstop = " + toml_string("kill $(cat " + pid_file + ")") + "\n");
  std::ofstream(dir + "/attached.toml") << definition;
  // The service runs before the drill, started as its own start command would.
  std::ofstream(dir + "/start.sh") << start << "\n";
  ASSERT_EQ(SshTestbed::shell("ip netns exec " + bed.netns(5) + " sh " + dir + "/start.sh"), 0);
  const std::string scenario = dir + "/attached-kill.toml";
  std::ofstream(scenario) << "[drill]\nname = \"attached-kill\"\nduration = \"8s\"\nbaseline = \"2s\"\nconvergence = \"3s\"\n"
                             "[system]\ndefinition = \"" + dir + "/attached.toml\"\n[workload]\nrate_per_s = 50\n"
                             "[[fault]]\nkind = \"process.kill\"\ntarget = \"gateway\"\nat = \"2s\"\nrestart_after = \"2s\"\n";
  Drill d = run_to_end(scenario, dir + "/run");
  const std::string log = text_of(d.dir + ".log");
  EXPECT_TRUE(d.exit_code == 0 || d.exit_code == 1) << log;
  int starts = 0;
  for (const auto& r : d.timeline) {
    if (r.at("source") == "supervisor" && r.at("kind") == "started" && r.at("node") == "gateway") ++starts;
  }
  EXPECT_EQ(starts, 2) << "attached at the start, started again by its `start` after the kill\n" << log;
  // Never stopped at the end: it still runs, and only it is left on its host.
  std::ofstream(dir + "/pid.sh") << pid_command << "\n";
  const std::string pid = output_of("sh " + dir + "/pid.sh");
  EXPECT_FALSE(pid.empty()) << "the attached gateway must still run after the drill";
  SshTestbed::shell("kill $(cat " + pid_file + ") 2>/dev/null");
  EXPECT_EQ(joined_lines(wait_bed_clean(bed, kHosts, milliseconds(5'000))), "");
  if (!HasFailure()) fs::remove_all(dir);
}

// Validation sees it (exit 65): a clock.skew that can reach an attached node (one firedrill did not
// start with the clock shim) without the definition's allow_host_clock.
TEST(SshDrill, AClockSkewOnAnAttachedNodeIsRefusedAtValidation) {
  const std::string dir = make_temp_dir();
  std::string definition = text_of(kSource / "sample-system/refpay-ssh.toml");
  replace_all(definition, "\"monitoring/", "\"" + (kSource / "sample-system/monitoring").string() + "/");
  replace_all(definition, "host = \"ssh://root@10.77.0.14\"\n",
              "host = \"ssh://root@10.77.0.14\"\npid_command = \"pgrep -o refpay-arbiter\"\n"
              "start = \"systemctl start refpay-arbiter\"\nstop = \"systemctl stop refpay-arbiter\"\n");
  std::ofstream(dir + "/attached.toml") << definition;
  const std::string scenario = dir + "/skew.toml";
  std::ofstream(scenario) << "[drill]\nname = \"skew-attached\"\nduration = \"5s\"\n[system]\ndefinition = \"" + dir +
                                 "/attached.toml\"\n[[fault]]\nkind = \"clock.skew\"\ntarget = \"arbiter\"\nat = \"1s\"\n"
                                 "duration = \"2s\"\noffset = \"+1m\"\n";
  const std::string out = output_of(firedrill_path() + " validate " + scenario + " 2>&1; echo \"exit $?\"");
  EXPECT_NE(out.find("exit 65"), std::string::npos) << out;
  EXPECT_NE(out.find("can reach node arbiter, which is attached"), std::string::npos) << out;
  EXPECT_NE(out.find("allow_host_clock = true"), std::string::npos) << out;
  fs::remove_all(dir);
}

// power.loss needs the lab's durability-tracking volume: on hosts it is refused before any host is
// contacted, any node started or any fault applied (exit 3, the reason in the log).
TEST(SshDrill, APowerLossOnHostsIsRefusedBeforeAnythingStarts) {
  const std::string dir = make_temp_dir();
  std::string definition = text_of(kSource / "sample-system/refpay-ssh.toml");
  replace_all(definition, "\"monitoring/", "\"" + (kSource / "sample-system/monitoring").string() + "/");
  std::ofstream(dir + "/hosts.toml") << definition;
  const std::string scenario = dir + "/power.toml";
  std::ofstream(scenario) << "[drill]\nname = \"power-on-hosts\"\nduration = \"5s\"\n[system]\ndefinition = \"" + dir +
                                 "/hosts.toml\"\n[[fault]]\nkind = \"power.loss\"\ntarget = \"ledger-1\"\nat = \"1s\"\n"
                                 "duration = \"2s\"\n";
  Drill d = run_to_end(scenario, dir + "/run", milliseconds(60'000));
  const std::string log = text_of(d.dir + ".log");
  EXPECT_EQ(d.exit_code, 3) << log;
  EXPECT_NE(log.find("power.loss refused: not on hosts"), std::string::npos) << log;
  EXPECT_FALSE(has(d.timeline, "apply")) << "no fault may start";
  EXPECT_FALSE(has(d.timeline, "started")) << "no node may start";
  if (!HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace firedrill::testing
