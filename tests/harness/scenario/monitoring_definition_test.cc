// Detection through Prometheus in the scenario files: a definition's [monitoring], a scenario's
// [detection] prometheus and rules, and the error of each mistake, before any drill.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "fault/fault_kinds.h"
#include "scenario/monitoring_nodes.h"
#include "scenario/scenario.h"
#include "testing/prerequisite.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

class MonitoringDefinition : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("monitoring-def-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "rules.yml") << "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A definition with node `db` (metrics at /metrics) and `monitoring` as its last lines, and a
  // scenario of it with `detection` as its [detection] table.
  std::variant<Scenario, Diagnostics> load(const std::string& monitoring, const std::string& detection) {
    std::ofstream(dir_ / "system.toml") << "[system]\nname = \"s\"\n[[node]]\nname = \"db\"\n"
                                           "command = [\"/bin/sleep\", \"60\"]\nmetrics_url = \"http://{address}:1/metrics\"\n"
                                           "[payments]\nbase_url = \"http://{node.db.address}:1\"\n"
                                        << monitoring;
    std::ofstream(dir_ / "drill.toml") << "[drill]\nname = \"d\"\nduration = \"5s\"\n[system]\ndefinition = \"system.toml\"\n"
                                          "[detection]\n"
                                       << detection;
    return load_scenario((dir_ / "drill.toml").string(), builtin_fault_kinds().catalog());
  }
  static std::string errors(const std::variant<Scenario, Diagnostics>& loaded) {
    return std::holds_alternative<Diagnostics>(loaded) ? std::get<Diagnostics>(loaded).text() : "";
  }

  fs::path dir_;
};

TEST_F(MonitoringDefinition, PrometheusNeedsTheDefinitionsMonitoring) {
  const std::string e = errors(load("", "prometheus = true\n"));
  EXPECT_NE(e.find("drill.toml:"), std::string::npos) << e;
  EXPECT_NE(e.find("detection.prometheus: the system definition"), std::string::npos) << e;
  EXPECT_NE(e.find("has no [monitoring] table"), std::string::npos) << e;
}

TEST_F(MonitoringDefinition, ARuleFileThatIsNotThereIsNamed) {
  const std::string e = errors(load("[monitoring]\nrules = [\"gone.yml\"]\n", ""));
  EXPECT_NE(e.find("monitoring.rules: no file \"gone.yml\""), std::string::npos) << e;
}

TEST_F(MonitoringDefinition, AMissingProgramIsAValidationError) {
  const std::string e =
      errors(load("[monitoring]\nrules = [\"rules.yml\"]\nprometheus = \"no-such-prometheus\"\n", "prometheus = true\n"));
  EXPECT_NE(e.find("monitoring.prometheus: program \"no-such-prometheus\" not found"), std::string::npos) << e;
}

TEST_F(MonitoringDefinition, PrometheusNeedsANodeWithAMetricsUrl) {
  std::ofstream(dir_ / "bare.toml") << "[system]\nname = \"s\"\n[[node]]\nname = \"db\"\ncommand = [\"/bin/true\"]\n"
                                       "[payments]\nbase_url = \"http://{node.db.address}:1\"\n"
                                       "[monitoring]\nrules = [\"rules.yml\"]\n";
  std::ofstream(dir_ / "bare-drill.toml") << "[drill]\nname = \"d\"\nduration = \"5s\"\n[system]\ndefinition = \"bare.toml\"\n"
                                             "[detection]\nprometheus = true\n";
  auto loaded = load_scenario((dir_ / "bare-drill.toml").string(), builtin_fault_kinds().catalog());
  const std::string e = errors(loaded);
  EXPECT_NE(e.find("has a metrics_url: Prometheus would scrape nothing"), std::string::npos) << e;
}

TEST_F(MonitoringDefinition, ScenarioRulesNeedPrometheus) {
  const std::string e = errors(load("", "rules = [\"rules.yml\"]\n"));
  EXPECT_NE(e.find("detection.rules: rule files are for detection through Prometheus"), std::string::npos) << e;
}

TEST_F(MonitoringDefinition, PrometheusAndAlertmanagerJoinTheNodes) {
  FIREDRILL_REQUIRE(std::system("command -v promtool >/dev/null && command -v amtool >/dev/null") == 0,
                    "Debian's prometheus and prometheus-alertmanager (./setup.sh installs them)");
  auto loaded = load("[monitoring]\nrules = [\"rules.yml\"]\nscrape_interval = \"250ms\"\n", "prometheus = true\n");
  ASSERT_TRUE(std::holds_alternative<Scenario>(loaded)) << errors(loaded);
  const Scenario& s = std::get<Scenario>(loaded);
  EXPECT_EQ(s.system.monitoring.scrape_interval, Milliseconds(250));
  EXPECT_EQ(s.system.monitoring.rule_files, std::vector<std::string>{(dir_ / "rules.yml").string()});
  ASSERT_EQ(s.system.nodes.size(), 3u);
  EXPECT_TRUE(is_monitoring_node(s.system.nodes[1]));
  EXPECT_EQ(s.system.nodes[1].name, "prometheus");
  EXPECT_EQ(s.system.nodes[2].name, "alertmanager");
  // The programs are resolved to paths: a node starts from a path, never a PATH search.
  EXPECT_EQ(s.system.nodes[1].command.front().front(), '/');
  // A scenario's own rule files replace the definition's.
  std::ofstream(dir_ / "mine.yml") << "groups: []\n";
  auto own = load("[monitoring]\nrules = [\"rules.yml\"]\n", "prometheus = true\nrules = [\"mine.yml\"]\n");
  ASSERT_TRUE(std::holds_alternative<Scenario>(own)) << errors(own);
  EXPECT_EQ(std::get<Scenario>(own).system.monitoring.rule_files, std::vector<std::string>{(dir_ / "mine.yml").string()});
}

}  // namespace
}  // namespace firedrill
