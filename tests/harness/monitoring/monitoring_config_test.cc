// The prometheus.yml and alertmanager.yml firedrill writes for a drill.
#include "monitoring/monitoring_config.h"

#include <gtest/gtest.h>

namespace firedrill {
namespace {

TEST(MonitoringConfig, PrometheusScrapesEveryTargetWithItsNodeRoleAndPath) {
  MonitoringSpec spec;
  spec.scrape_interval = Milliseconds(250);
  spec.evaluation_interval = Milliseconds(750);
  const MonitoringConfigInputs in{.spec = spec,
                                  .system_name = "pay",
                                  .targets = {{"db-1", "db", "http://10.0.0.2:7001/metrics"},
                                              {"web", "", "http://10.0.0.3:80/m?format=text"}},
                                  .alertmanager_address = "10.0.0.9:9093",
                                  .alert_url = "http://10.0.0.1:9095/alerts",
                                  .dir = "/run/monitoring"};
  const std::string yaml = prometheus_yaml(in, {"/run/monitoring/rules/a.yml"});
  for (const char* line : {"  scrape_interval: 250ms\n", "  scrape_timeout: 250ms\n", "  evaluation_interval: 750ms\n",
                           "  - \"/run/monitoring/rules/a.yml\"\n", "        - targets: [\"10.0.0.9:9093\"]\n",
                           "  - job_name: \"pay\"\n", "      - targets: [\"10.0.0.2:7001\"]\n",
                           "          node: \"db-1\"\n", "          role: \"db\"\n",
                           "          __metrics_path__: \"/metrics\"\n", "          __metrics_path__: \"/m\"\n",
                           "          __param_format: \"text\"\n"}) {
    EXPECT_NE(yaml.find(line), std::string::npos) << line << "\n" << yaml;
  }
  // A node without a role gets no role label.
  EXPECT_EQ(yaml.find("role: \"\""), std::string::npos);
}

TEST(MonitoringConfig, TheDefaultAlertmanagerSendsEachAlertAloneToTheReceiver) {
  MonitoringSpec spec;
  spec.group_wait = Milliseconds(200);
  const std::string yaml = default_alertmanager_yaml(spec, "http://10.0.0.1:9095/alerts");
  for (const char* line : {"  group_by: ['...']\n", "  group_wait: 200ms\n",
                           "      - url: \"http://10.0.0.1:9095/alerts\"\n", "        send_resolved: true\n"}) {
    EXPECT_NE(yaml.find(line), std::string::npos) << line << "\n" << yaml;
  }
}

}  // namespace
}  // namespace firedrill

#include <filesystem>
#include <fstream>

namespace firedrill {
namespace {

TEST(MonitoringConfig, TheFilesArePackedAsPathEqualsBase64WordsEmptyOnesToo) {
  const auto dir = std::filesystem::temp_directory_path() / ("monitoring-config-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "in");
  std::ofstream(dir / "in" / "my rules.yml") << "groups: []\n";
  std::ofstream(dir / "in" / "empty.yml").close();
  MonitoringSpec spec;
  spec.rule_files = {(dir / "in" / "my rules.yml").string(), (dir / "in" / "empty.yml").string()};
  auto files = write_monitoring_config(MonitoringConfigInputs{.spec = spec,
                                                              .system_name = "s",
                                                              .targets = {},
                                                              .alertmanager_address = "10.0.0.9:9093",
                                                              .alert_url = "http://10.0.0.1:9095/alerts",
                                                              .dir = (dir / "out").string()});
  ASSERT_TRUE(files) << files.status().message();
  // Names made safe for a word; an empty file is "PATH=".
  EXPECT_NE(files->packed.find("rules/my_rules.yml=Z3JvdXBzOiBbXQo= "), std::string::npos) << files->packed;
  EXPECT_NE(files->packed.find("rules/empty.yml= "), std::string::npos) << files->packed;
  EXPECT_NE(files->packed.find("prometheus.yml="), std::string::npos);
  EXPECT_EQ(files->packed.find('\n'), std::string::npos);
  EXPECT_NE(prometheus_yaml({.spec = spec, .system_name = "s", .targets = {}, .alertmanager_address = "a:1",
                             .alert_url = "u", .dir = "d"},
                            {"rules/empty.yml"})
                .find("  - \"rules/empty.yml\"\n"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace firedrill
