// Prometheus's answers (as Prometheus 2.42 gives them) read into rules, alert episodes, the
// first instant a rule held, and the targets not yet scraped.
#include "monitoring/prometheus_api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace firedrill {
namespace {

namespace json = boost::json;

TEST(PrometheusApi, AlertingRulesWithTheirForFileAndGroup) {
  auto rules = parse_alerting_rules(R"j({"status":"success","data":{"groups":[{"name":"refpay","file":"/r/a.yml",
    "rules":[{"name":"Down","query":"up == 0","duration":2.5,"labels":{},"health":"ok","lastError":"","type":"alerting"},
             {"name":"rec:x","query":"sum(x)","health":"ok","type":"recording"}]}]}})j");
  ASSERT_TRUE(rules) << rules.status().message();
  ASSERT_EQ(rules->size(), 1u);  // recording rules are not alerts
  EXPECT_EQ((*rules)[0].name, "Down");
  EXPECT_EQ((*rules)[0].expr, "up == 0");
  EXPECT_EQ((*rules)[0].for_ms, 2500);
  EXPECT_EQ((*rules)[0].file, "/r/a.yml");
  EXPECT_EQ((*rules)[0].group, "refpay");
  EXPECT_FALSE(parse_alerting_rules(R"j({"status":"error","error":"bad"})j"));
  EXPECT_FALSE(parse_alerting_rules("not json"));
}

TEST(PrometheusApi, AlertSamplesBecomeEpisodesWithPendingFiringAndEnd) {
  // Node a: pending at 100, 100.5, firing from 101 to 102, then gone; again at 110 (a second
  // episode, still active at now = 111). Node b: firing straight away (for 0) at 105.
  const std::string body = R"j({"status":"success","data":{"resultType":"matrix","result":[
    {"metric":{"__name__":"ALERTS","alertname":"Down","alertstate":"pending","node":"a"},
     "values":[[100,"1"],[100.5,"1"],[110,"1"]]},
    {"metric":{"__name__":"ALERTS","alertname":"Down","alertstate":"firing","node":"a"},
     "values":[[101,"1"],[101.5,"1"],[102,"1"]]},
    {"metric":{"__name__":"ALERTS","alertname":"Down","alertstate":"firing","node":"b"},
     "values":[[105,"1"]]}]}})j";
  auto episodes = parse_alert_episodes(body, 1.5, 0.5, 111);
  ASSERT_TRUE(episodes) << episodes.status().message();
  ASSERT_EQ(episodes->size(), 3u);
  const AlertEpisodeTimes& first = (*episodes)[0];
  EXPECT_EQ(first.alertname, "Down");
  EXPECT_EQ(first.pending, 100);
  EXPECT_EQ(first.firing, 101);
  EXPECT_EQ(first.ended, 102.5);
  EXPECT_FALSE(first.labels.contains("alertstate"));
  EXPECT_FALSE(first.labels.contains("__name__"));
  const AlertEpisodeTimes& b = (*episodes)[1];
  EXPECT_EQ(b.pending, 105);
  EXPECT_EQ(b.firing, 105);
  EXPECT_EQ(b.ended, 105.5);
  const AlertEpisodeTimes& again = (*episodes)[2];
  EXPECT_EQ(again.pending, 110);
  EXPECT_FALSE(again.firing);
  EXPECT_FALSE(again.ended);  // still pending when read
}

TEST(PrometheusApi, TheSymptomStartsWhereTheRunOfPointsReachingPendingStarts) {
  // The expression held at 10.0-10.2 (an earlier blip), then from 11.0 on; pending at 11.3.
  const std::string body = R"j({"status":"success","data":{"resultType":"matrix","result":[
    {"metric":{"node":"a","job":"j"},"values":[[10.0,"0"],[10.1,"0"],[10.2,"0"],[11.0,"0"],[11.1,"0"],[11.2,"0"],[11.3,"0"]]},
    {"metric":{"node":"other","job":"j"},"values":[[9.0,"0"]]}]}})j";
  json::object labels{{"alertname", "Down"}, {"node", "a"}, {"job", "j"}, {"severity", "critical"}};
  auto start = parse_symptom_start(body, labels, 0.1, 11.3);
  ASSERT_TRUE(start);
  ASSERT_TRUE(*start);
  EXPECT_DOUBLE_EQ(**start, 11.0);
  // No series of the alert's labels: unknown.
  auto none = parse_symptom_start(body, json::object{{"node", "z"}}, 0.1, 11.3);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST(PrometheusApi, TargetsNotUpNameTheNodeAndItsError) {
  auto all = targets_not_up(R"j({"status":"success","data":{"activeTargets":[
    {"labels":{"node":"a"},"health":"up","lastError":""},{"labels":{"node":"b"},"health":"up","lastError":""}]}})j");
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, "");
  auto some = targets_not_up(R"j({"status":"success","data":{"activeTargets":[
    {"labels":{"node":"a"},"health":"up"},{"labels":{"node":"b"},"health":"down","lastError":"connection refused"}]}})j");
  ASSERT_TRUE(some);
  EXPECT_EQ(*some, "b (down: connection refused)");
  auto empty = targets_not_up(R"j({"status":"success","data":{"activeTargets":[]}})j");
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "no target yet");
}

TEST(PrometheusApi, QueriesArePercentEncoded) {
  EXPECT_EQ(url_encoded("up{role=\"ledger\"} == 0"), "up%7Brole%3D%22ledger%22%7D%20%3D%3D%200");
}

}  // namespace
}  // namespace firedrill

namespace firedrill {
namespace {

TEST(PrometheusApi, AnAlertComesFromTheRuleOfItsNameWhoseLabelsItCarries) {
  auto rules = parse_alerting_rules(R"j({"status":"success","data":{"groups":[{"name":"g","file":"f","rules":[
    {"name":"Slow","query":"a > 1","duration":60,"labels":{"severity":"warning"},"type":"alerting"},
    {"name":"Slow","query":"a > 5","duration":0,"labels":{"severity":"critical"},"type":"alerting"},
    {"name":"rec:a","query":"sum(a)","type":"recording"}]}]}})j");
  ASSERT_TRUE(rules);
  const json::object critical{{"alertname", "Slow"}, {"severity", "critical"}, {"node", "n"}};
  const PrometheusRule* rule = rule_of_alert(*rules, "Slow", critical);
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->expr, "a > 5");
  EXPECT_EQ(rule->for_ms, 0);
  EXPECT_EQ(rule_of_alert(*rules, "Slow", json::object{{"severity", "info"}}), nullptr);
  EXPECT_EQ(recording_rule_names(R"j({"status":"success","data":{"groups":[{"rules":[
    {"name":"rec:a","type":"recording"},{"name":"Slow","type":"alerting"}]}]}})j"),
            std::set<std::string>{"rec:a"});
  EXPECT_EQ(label_values(R"j({"status":"success","data":["up","refpay_x"]})j"), (std::set<std::string>{"up", "refpay_x"}));
  EXPECT_TRUE(label_values(R"j({"status":"error","data":["up"]})j").empty());
}

}  // namespace
}  // namespace firedrill
