// Tests of scoring (harness/scoring/scorer.h): score() is a pure function of RunData, so each test
// builds one by hand — run.json as make_run_record writes it, timeline records with the fields the
// runner, workload, fault driver, alert receiver, log watcher, probes and supervisor write, and the
// final reads (NDJSON exports with the contract's field names, balances JSON) — then checks the
// report: every reconciliation category, the invariants, T0 / impact / detection / recovery,
// the verdict precedence and exit codes, the checker-exception path and determinism.
#include "scoring/scorer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace firedrill {
namespace {

namespace json = boost::json;

constexpr int64_t kMs = 1'000'000;  // ns per ms
constexpr int64_t kAccounts = 4;
constexpr int64_t kInitialBalance = 1'000;

struct Transfer {
  std::string key, from, to;
  int64_t amount = 0;
};

// The default drill description, shaped exactly like make_run_record's output.
json::object default_run() {
  return json::object{
      {"schema", "firedrill.run/v1"},
      {"scenario", json::object{{"name", "unit"}, {"description", "hand-built"}, {"digest", "d1g3st"}, {"system", "refpay"}}},
      {"seed", 7},
      {"objectives", json::object{{"detect_within_ms", nullptr},
                                  {"recover_within_ms", nullptr},
                                  {"lost_payments_max", 0},
                                  {"duplicated_payments_max", nullptr},
                                  {"availability_min", nullptr},
                                  {"mtbf_ms", nullptr}}},
      {"steady_state", json::object{{"success_ratio_min", 0.95},
                                    {"latency_p99_max_ms", nullptr},
                                    {"window_ms", 1000},
                                    {"hold_ms", 2000},
                                    {"probe_interval_ms", 250}}},
      {"detection", json::object{{"alerts", json::array{"LedgerPrimaryDown"}},
                                 {"log_patterns", json::array{json::object{{"node", "arbiter"}, {"pattern", "promoting .* to epoch"}}}},
                                 {"probe_failures", 3}}},
      {"workload", json::object{{"accounts", kAccounts}, {"amount_max", 100}, {"rate_per_s", 100.0}, {"timeout_ms", 1000}, {"retries", 2}}},
      {"contract", json::object{{"account_pattern", "acct-{i}"},
                                {"initial_balance", kInitialBalance},
                                {"key_field", "idempotency_key"},
                                {"from_field", "from"},
                                {"to_field", "to"},
                                {"amount_field", "amount"}}},
      {"phases", json::object{{"baseline_ms", 2000}, {"fault_phase_ms", 9000}, {"convergence_ms", 5000}}},
      {"nodes", json::array{json::object{{"name", "ledger-1"}, {"export", true}, {"balances", true}},
                            json::object{{"name", "ledger-2"}, {"export", true}, {"balances", true}},
                            json::object{{"name", "ledger-3"}, {"export", true}, {"balances", true}},
                            json::object{{"name", "arbiter"}, {"export", false}, {"balances", false}},
                            json::object{{"name", "gateway"}, {"export", false}, {"balances", false}}}},
      {"faults", json::array{json::object{{"index", 0}, {"kind", "process.kill"}, {"target", "role:ledger-primary"},
                                          {"at_ms", 5000}, {"duration_ms", nullptr}}}},
  };
}

// A fluent builder of RunData. Times are in ns on the controller's clock; records are sorted by
// time and numbered when the RunData is made, as the timeline writes them.
class Drill {
 public:
  Drill() : run_(default_run()) {}

  json::object& run_json() { return run_; }
  Drill& objective(const char* key, json::value v) {
    run_["objectives"].as_object()[key] = std::move(v);
    return *this;
  }
  Drill& steady(const char* key, json::value v) {
    run_["steady_state"].as_object()[key] = std::move(v);
    return *this;
  }

  // ---- timeline ----
  Drill& record(int64_t t_ns, const char* source, const char* kind, const json::object& fields = {}) {
    json::object r{{"seq", 0}, {"t_ns", t_ns}, {"source", source}, {"kind", kind}};
    for (const auto& kv : fields) r[kv.key()] = kv.value();
    records_.push_back(std::move(r));
    return *this;
  }

  static Transfer payment(int64_t n) {
    return Transfer{"k-" + std::to_string(n), "acct-" + std::to_string(n % kAccounts + 1),
                    "acct-" + std::to_string((n + 1) % kAccounts + 1), n % 50 + 1};
  }

  // One attempt: the invoke at t − latency and its completion (ok / fail / unknown) at t.
  Drill& attempt(int64_t t_ns, const Transfer& p, const std::string& outcome, int64_t attempt_no = 1,
               int64_t latency_ns = kMs) {
    const int64_t op = ++op_;
    record(t_ns - latency_ns, "workload", "invoke",
           {{"op", op}, {"key", p.key}, {"from", p.from}, {"to", p.to}, {"amount", p.amount}, {"attempt", attempt_no}});
    json::object done{{"op", op}, {"key", p.key}, {"attempt", attempt_no},
                      {"status", outcome == "ok" ? 201 : outcome == "fail" ? 0 : 504}, {"latency_ns", latency_ns}};
    if (outcome == "fail") done["error"] = "not sent: connect: Connection refused";
    if (outcome == "unknown") done["error"] = "HTTP 504: outcome_unknown";
    return record(t_ns, "workload", outcome.c_str(), done);
  }

  // One new payment every 10 ms in [from_ms, to_ms) with the given outcome; ok ones are applied.
  Drill& traffic(int64_t from_ms, int64_t to_ms, const std::string& outcome) {
    for (int64_t t = from_ms; t < to_ms; t += 10) {
      Transfer p = payment(next_++);
      attempt(t * kMs, p, outcome);
      if (outcome == "ok") ledger_.push_back(p);
    }
    return *this;
  }

  Drill& fault_apply(int64_t t_ns, int64_t scheduled_ns, int index = 0) {
    return record(t_ns, "fault", "apply", {{"fault", index}, {"fault_kind", "process.kill"}, {"target", "role:ledger-primary"},
                                           {"node", "ledger-1"}, {"scheduled_ns", scheduled_ns}});
  }
  Drill& fault_applied(int64_t t_ns, bool verified = true, int index = 0) {
    return record(t_ns, "fault", "applied", {{"fault", index}, {"fault_kind", "process.kill"}, {"verified", verified},
                                             {"evidence", json::object{{"node", "ledger-1"}, {"signal", "SIGKILL"}}}, {"error", ""}});
  }
  Drill& fault_reverted(int64_t t_ns, int index = 0) {
    return record(t_ns, "fault", "reverted", {{"fault", index}, {"fault_kind", "process.kill"}, {"verified", true}, {"error", ""}});
  }
  Drill& alert(int64_t t_ns, const char* status, const char* name = "LedgerPrimaryDown", const char* node = "ledger-1") {
    return record(t_ns, "alertmanager", "alert",
                  {{"status", status}, {"alertname", name},
                   {"labels", json::object{{"alertname", name}, {"node", node}, {"severity", "critical"}}}});
  }
  Drill& log(int64_t t_ns, const char* pattern = "promoting .* to epoch", const char* node = "arbiter") {
    return record(t_ns, "logs", "log_match", {{"node", node}, {"pattern", pattern}, {"line", "arbiter: promoting ledger-2 to epoch 2"}});
  }
  Drill& probe(int64_t t_ns, const char* node, bool ok) {
    return record(t_ns, "probe", "health", {{"node", node}, {"ok", ok}, {"status", ok ? 200 : 0}, {"latency_ns", 100'000},
                                            {"error", ok ? "" : "connect: Connection refused"}});
  }
  Drill& phase(int64_t t_ns, const char* name) { return record(t_ns, "harness", "phase", {{"phase", name}}); }
  Drill& end(int64_t t_ns, const char* how = "completed") { return record(t_ns, "harness", "end", {{"end", how}}); }
  Drill& abort(int64_t t_ns, const char* why) { return record(t_ns, "harness", "abort", {{"reason", why}}); }
  Drill& error(int64_t t_ns, const char* where, const char* what) {
    return record(t_ns, "harness", "error", {{"where", where}, {"error", what}});
  }
  Drill& precondition_failed(int64_t t_ns, const char* what) {
    return record(t_ns, "harness", "precondition_failed", {{"what", what}});
  }
  Drill& exited(int64_t t_ns, const char* node, bool expected) {
    return record(t_ns, "supervisor", "exited", {{"node", node}, {"pid", 12}, {"expected", expected}, {"exit_code", -1}, {"signal", 9}});
  }

  // ---- final reads ----
  // What every ledger holds unless a test gives a node its own list.
  std::vector<Transfer>& ledger() { return ledger_; }
  std::vector<Transfer>& node_ledger(const std::string& node) {
    auto [it, inserted] = node_ledgers_.try_emplace(node, ledger_);
    return it->second;
  }
  Drill& balances_text(const std::string& node, std::string text) {
    balances_[node] = std::move(text);
    return *this;
  }
  Drill& no_exports() {
    export_nodes_.clear();
    return *this;
  }

  static std::map<std::string, int64_t> replay(const std::vector<Transfer>& transfers) {
    std::map<std::string, int64_t> b;
    for (int64_t i = 1; i <= kAccounts; ++i) b["acct-" + std::to_string(i)] = kInitialBalance;
    for (const auto& t : transfers) {
      b[t.from] -= t.amount;
      b[t.to] += t.amount;
    }
    return b;
  }
  static std::string balances_json(const std::map<std::string, int64_t>& b) {
    json::array accounts;
    for (const auto& [id, balance] : b) accounts.push_back(json::object{{"id", id}, {"balance", balance}});
    return json::serialize(json::object{{"node", "x"}, {"accounts", std::move(accounts)}});
  }

  RunData data() const {
    RunData d;
    d.run = run_;
    d.timeline = records_;
    std::stable_sort(d.timeline.begin(), d.timeline.end(),
                     [](const json::object& a, const json::object& b) { return a.at("t_ns").as_int64() < b.at("t_ns").as_int64(); });
    int64_t seq = 0;
    for (auto& r : d.timeline) {
      r["seq"] = seq++;
      r["prev"] = std::string(64, '0');
    }
    static const json::object default_contract = default_run().at("contract").as_object();
    const json::value* given = run_.if_contains("contract");
    const json::object& c = given && given->is_object() ? given->as_object() : default_contract;
    for (const auto& node : export_nodes_) {
      auto it = node_ledgers_.find(node);
      const std::vector<Transfer>& list = it == node_ledgers_.end() ? ledger_ : it->second;
      std::string text;
      int64_t position = 0;
      for (const auto& t : list) {
        ++position;
        text += json::serialize(json::object{{"position", position},
                                             {"epoch", 1},
                                             {"transfer_id", "1." + std::to_string(position)},
                                             {std::string(c.at("key_field").as_string()), t.key},
                                             {std::string(c.at("from_field").as_string()), t.from},
                                             {std::string(c.at("to_field").as_string()), t.to},
                                             {std::string(c.at("amount_field").as_string()), t.amount}});
        text += '\n';
      }
      d.exports[node] = text;
      auto b = balances_.find(node);
      d.balances[node] = b != balances_.end() ? b->second : balances_json(replay(list));
    }
    return d;
  }

  json::object score() const { return firedrill::score(data()); }

 private:
  json::object run_;
  std::vector<json::object> records_;
  std::vector<Transfer> ledger_;
  std::map<std::string, std::vector<Transfer>> node_ledgers_;
  std::map<std::string, std::string> balances_;
  std::vector<std::string> export_nodes_{"ledger-1", "ledger-2", "ledger-3"};
  int64_t op_ = 0;
  int64_t next_ = 0;
};

// The standard drill: 100 payments/s for 20 s; the primary is killed at 4999 ms (scheduled at
// 4998 ms), verified at T0 = 5000 ms; payments fail in [5000, 7000) ms; the alert fires at
// 6000 ms; the fault is reverted at 8000 ms. Steady state (95 % over 1 s windows) holds again
// from the grid point 8000 ms: recovery 3000 ms.
constexpr int64_t kT0 = 5000 * kMs;

Drill drill(bool with_alert = true) {
  Drill r;
  r.phase(0, "baseline");
  r.traffic(10, 5000, "ok");
  r.phase(2000 * kMs, "faults");
  r.fault_apply(4999 * kMs, 4998 * kMs);
  r.fault_applied(kT0);
  r.traffic(5000, 7000, "fail");
  if (with_alert) r.alert(6000 * kMs, "firing");
  r.fault_reverted(8000 * kMs);
  r.traffic(7000, 20000, "ok");
  r.phase(20500 * kMs, "final_reads");
  r.end(21000 * kMs);
  return r;
}

const json::object& section(const json::object& report, const char* name) { return report.at(name).as_object(); }
const json::object& recon(const json::object& report) { return section(report, "reconciliation"); }
const json::object& fault0(const json::object& report) { return report.at("faults").as_array().at(0).as_object(); }
const json::array& failures(const json::object& report, const char* group) {
  return report.at("failures").as_object().at(group).as_array();
}
std::string verdict(const json::object& report) { return std::string(report.at("verdict").as_string()); }
int64_t exit_code(const json::object& report) { return report.at("exit_code").as_int64(); }
int64_t count(const json::object& report, const char* what) { return recon(report).at(what).as_int64(); }
std::vector<std::string> ids(const json::object& report, const char* what) {
  std::vector<std::string> out;
  for (const auto& v : recon(report).at(what).as_array()) out.emplace_back(v.as_string());
  return out;
}
double number(const json::value& v) { return v.to_number<double>(); }
bool mentions(const json::array& list, const std::string& text) {
  return std::any_of(list.begin(), list.end(),
                     [&](const json::value& v) { return std::string(v.as_string()).find(text) != std::string::npos; });
}
// A readable failure message: the whole report.
std::string dump(const json::object& report) { return json::serialize(report); }

void expect_nothing_flagged(const json::object& report) {
  for (const char* c : {"lost", "duplicated", "failed_but_applied", "unexpected", "corrupted", "negative_balances"}) {
    EXPECT_EQ(count(report, c), 0) << c;
  }
  const json::object& r = recon(report);
  EXPECT_TRUE(r.at("money_conserved").as_bool());
  EXPECT_TRUE(r.at("balances_match_replay").as_bool());
  EXPECT_TRUE(r.at("replicas_agree").as_bool());
  EXPECT_TRUE(r.at("invariant_problems").as_array().empty());
}

// ---- a clean drill -------------------------------------------------------------------------

// The verdict is objectives_missed, and the objectives' failures mention `what`.
void expect_objectives_missed(const json::object& report, const std::string& what) {
  EXPECT_EQ(verdict(report), "objectives_missed") << dump(report);
  EXPECT_TRUE(mentions(failures(report, "objectives"), what)) << what << "\n" << dump(report);
}

// objectives_missed (exit 1) because fault[0] has no measure at all: `flag` false, `measure`
// null, and the objectives' failures mention `what`.
void expect_missed_for_want_of(const json::object& report, const char* flag, const char* measure,
                               const std::string& what) {
  expect_objectives_missed(report, what);
  EXPECT_EQ(exit_code(report), 1);
  EXPECT_FALSE(fault0(report).at(flag).as_bool()) << flag;
  EXPECT_TRUE(fault0(report).at(measure).is_null()) << measure;
}

TEST(Scorer, CleanDrillPassesWithNothingFlagged) {
  Drill r = drill();
  r.objective("detect_within_ms", 3000).objective("recover_within_ms", 10000);
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "pass") << dump(report);
  EXPECT_EQ(exit_code(report), 0);
  expect_nothing_flagged(report);
  for (const char* g : {"inconclusive", "aborted", "safety", "objectives"}) EXPECT_TRUE(failures(report, g).empty()) << g;
  EXPECT_EQ(count(report, "invoked"), 1999);
  EXPECT_EQ(count(report, "acknowledged"), 1799);
  EXPECT_EQ(number(recon(report).at("rpo_ms")), 0);
  EXPECT_EQ(recon(report).at("reference_node").as_string(), "ledger-1");

  const json::object& f = fault0(report);
  EXPECT_EQ(number(f.at("scheduled_ms")), 4998);
  EXPECT_EQ(number(f.at("t0_ms")), 5000);
  EXPECT_EQ(number(f.at("injection_gap_ms")), 2);
  EXPECT_EQ(number(f.at("impact_ms")), 5000);
  EXPECT_FALSE(f.at("masked").as_bool());
  EXPECT_TRUE(f.at("detected").as_bool());
  EXPECT_EQ(f.at("detected_by").as_string(), "alert LedgerPrimaryDown");
  EXPECT_EQ(number(f.at("detection_ms")), 1000);
  EXPECT_TRUE(f.at("recovered").as_bool());
  EXPECT_EQ(number(f.at("recovery_ms")), 3000);  // recovery = detection + repair
  EXPECT_EQ(number(f.at("repair_ms")), 2000);
  EXPECT_EQ(number(f.at("outage_ms")), 3000);
  EXPECT_EQ(number(f.at("reverted_ms")), 8000);

  const json::object& a = section(report, "availability");
  EXPECT_EQ(a.at("attempts").as_int64(), 1999);
  EXPECT_EQ(a.at("ok").as_int64(), 1799);
  EXPECT_DOUBLE_EQ(a.at("success_ratio").as_double(), 1799.0 / 1999.0);

  const json::array& objectives = report.at("objectives").as_array();
  ASSERT_EQ(objectives.size(), 4u);
  for (const auto& o : objectives) EXPECT_TRUE(o.as_object().at("pass").as_bool()) << json::serialize(o);
  EXPECT_NE(report_summary(report).find("verdict: pass (exit 0)"), std::string::npos);
}

// ---- reconciliation ------------------------------------------------------------------------

TEST(Scorer, LostPaymentsWithRpoAndLostAfterT0) {
  Drill r = drill();
  // Acknowledged and absent from every ledger: k-99 (ack at 1000 ms), k-299 (3000 ms) before T0
  // and one acknowledged at 9000 ms, after T0.
  auto& ledger = r.ledger();
  std::vector<std::string> gone{"k-99", "k-299", "k-899"};
  int64_t amount = 0;
  std::vector<int64_t> amounts;
  for (const auto& key : gone) {
    auto it = std::find_if(ledger.begin(), ledger.end(), [&](const Transfer& t) { return t.key == key; });
    ASSERT_NE(it, ledger.end()) << key;
    amount += it->amount;
    amounts.push_back(it->amount);
    ledger.erase(it);
  }
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "safety_failure") << dump(report);
  EXPECT_EQ(exit_code(report), 2);
  EXPECT_EQ(count(report, "lost"), 3);
  EXPECT_EQ(ids(report, "lost_ids"), gone);
  EXPECT_EQ(count(report, "lost_amount"), amount);
  // Each as evidence: its key, its amount, when it was acknowledged.
  const json::array& payments = recon(report).at("lost_payments").as_array();
  ASSERT_EQ(payments.size(), 3u);
  const std::vector<double> acknowledged_ms{1000, 3000, 9000};
  for (size_t i = 0; i < payments.size(); ++i) {
    EXPECT_EQ(payments[i].at("id"), json::value(gone[i]));
    EXPECT_EQ(payments[i].at("amount"), amounts[i]);
    EXPECT_EQ(number(payments[i].at("acknowledged_ms")), acknowledged_ms[i]);
  }
  EXPECT_EQ(count(report, "lost_after_t0"), 1);
  EXPECT_EQ(number(recon(report).at("rpo_ms")), 4000);  // T0 − the earliest lost ack (1000 ms)
  EXPECT_EQ(number(recon(report).at("loss_span_ms")), 8000);
  EXPECT_TRUE(mentions(failures(report, "safety"), "3 acknowledged payments lost"));
  // Nothing else is wrong: the ledgers agree and their balances are their replays.
  EXPECT_TRUE(recon(report).at("replicas_agree").as_bool());
  EXPECT_TRUE(recon(report).at("money_conserved").as_bool());
  for (const auto& o : report.at("objectives").as_array()) {
    if (o.as_object().at("name") == "lost_payments_max") {
      EXPECT_FALSE(o.as_object().at("pass").as_bool());
    }
  }

  // Within the objective: counted, not a failure.
  r.objective("lost_payments_max", 3);
  report = r.score();
  EXPECT_EQ(verdict(report), "pass") << dump(report);
  EXPECT_EQ(count(report, "lost"), 3);
}

TEST(Scorer, LostOnlyAfterT0HasZeroRpo) {
  Drill r = drill();
  r.ledger().pop_back();  // the last payment, acknowledged at 19990 ms
  json::object report = r.score();
  EXPECT_EQ(count(report, "lost"), 1);
  EXPECT_EQ(count(report, "lost_after_t0"), 1);
  EXPECT_EQ(number(recon(report).at("rpo_ms")), 0);
  EXPECT_EQ(verdict(report), "safety_failure");
}

TEST(Scorer, UnknownOutcomesResolvedEitherWay) {
  Drill r = drill();
  Transfer applied = Drill::payment(100'000), absent = Drill::payment(100'001), retried = Drill::payment(100'002);
  r.attempt(15'005 * kMs, applied, "unknown");
  r.ledger().push_back(applied);
  r.attempt(15'006 * kMs, absent, "unknown");
  // unknown, then the retry with the same key is acknowledged: an ordinary acknowledged payment.
  r.attempt(15'007 * kMs, retried, "unknown", 1);
  r.attempt(15'507 * kMs, retried, "ok", 2);
  r.ledger().push_back(retried);
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "pass") << dump(report);
  EXPECT_EQ(count(report, "recovered"), 1);
  EXPECT_EQ(count(report, "unknown_absent"), 1);
  EXPECT_EQ(count(report, "acknowledged"), 1800);
  EXPECT_EQ(count(report, "invoked"), 2002);  // a retry is the same payment
  expect_nothing_flagged(report);
}

// A payment whose first attempt ended unknown (at 15 005 ms) and whose retry ended `retry_outcome`
// (at 15 505 ms); the ledger holds it once.
Transfer retried_after_unknown(Drill& r, const char* retry_outcome) {
  Transfer p = Drill::payment(100'000);
  r.attempt(15'005 * kMs, p, "unknown", 1);
  r.attempt(15'505 * kMs, p, retry_outcome, 2);
  r.ledger().push_back(p);
  return p;
}

TEST(Scorer, UnknownThenFailedRetryIsStillUnknown) {
  // The first attempt may have been applied; a later "not sent" failure does not say otherwise.
  Drill r = drill();
  const Transfer p = retried_after_unknown(r, "fail");
  json::object report = r.score();
  EXPECT_EQ(count(report, "recovered"), 1);
  EXPECT_EQ(count(report, "failed_but_applied"), 0);
  EXPECT_EQ(verdict(report), "pass") << dump(report);
}

TEST(Scorer, FailedButApplied) {
  Drill r = drill();
  // k-250 failed (at 5000 + 10·(250−499)...): pick the first failed payment, k-499 at 5000 ms.
  r.ledger().push_back(Drill::payment(499));
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "safety_failure") << dump(report);
  EXPECT_EQ(count(report, "failed_but_applied"), 1);
  EXPECT_EQ(ids(report, "failed_but_applied_ids"), std::vector<std::string>{"k-499"});
  EXPECT_TRUE(mentions(failures(report, "safety"), "1 payments reported failed but applied"));
  EXPECT_EQ(count(report, "lost"), 0);
}

TEST(Scorer, DuplicateByRetry) {
  Drill r = drill();
  const Transfer p = retried_after_unknown(r, "ok");
  r.ledger().push_back(p);  // the retry was applied a second time
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "safety_failure") << dump(report);
  EXPECT_EQ(count(report, "duplicated"), 1);
  EXPECT_EQ(ids(report, "duplicated_ids"), std::vector<std::string>{p.key});
  EXPECT_TRUE(mentions(failures(report, "safety"), "1 payments applied more than once"));
  // The balances are the replay of what was applied: no invariant broken, nothing lost.
  EXPECT_TRUE(recon(report).at("balances_match_replay").as_bool());
  EXPECT_TRUE(recon(report).at("money_conserved").as_bool());
  EXPECT_EQ(count(report, "lost"), 0);

  r.objective("duplicated_payments_max", 1);
  EXPECT_EQ(verdict(r.score()), "pass");
}

TEST(Scorer, UnexpectedTransferNeverRequested) {
  Drill r = drill();
  r.ledger().push_back(Transfer{"ghost-1", "acct-1", "acct-2", 5});
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "safety_failure") << dump(report);
  EXPECT_EQ(count(report, "unexpected"), 1);
  EXPECT_EQ(ids(report, "unexpected_ids"), std::vector<std::string>{"ghost-1"});
  EXPECT_TRUE(mentions(failures(report, "safety"), "1 transfers never requested"));
}

TEST(Scorer, CorruptedAmountOrAccounts) {
  Drill r = drill();
  r.ledger()[10].amount += 1;
  r.ledger()[20].to = "acct-9";
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "safety_failure") << dump(report);
  EXPECT_EQ(count(report, "corrupted"), 2);
  EXPECT_EQ(ids(report, "corrupted_ids"), (std::vector<std::string>{"k-10", "k-20"}));
  EXPECT_EQ(count(report, "lost"), 0);
}

TEST(Scorer, ReplicasDisagree) {
  Drill r = drill();
  r.node_ledger("ledger-1").pop_back();  // ledger-1 missed the last transfer; ledger-2 is fullest
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "safety_failure") << dump(report);
  EXPECT_FALSE(recon(report).at("replicas_agree").as_bool());
  EXPECT_EQ(recon(report).at("reference_node").as_string(), "ledger-2");
  EXPECT_EQ(count(report, "lost"), 0);  // present in the reference
  EXPECT_TRUE(mentions(failures(report, "safety"), "replicas disagree"));
}

TEST(Scorer, BalancesDifferFromReplay) {
  Drill r = drill();
  auto b = Drill::replay(r.ledger());
  b["acct-1"] -= 7;  // money moved without a transfer: the total still holds
  b["acct-2"] += 7;
  r.balances_text("ledger-2", Drill::balances_json(b));
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "safety_failure") << dump(report);
  EXPECT_FALSE(recon(report).at("balances_match_replay").as_bool());
  EXPECT_TRUE(recon(report).at("money_conserved").as_bool());
  EXPECT_TRUE(mentions(recon(report).at("invariant_problems").as_array(), "ledger-2: balances differ from the replay"));
  EXPECT_TRUE(mentions(failures(report, "safety"), "balances differ from the replay of the transfers"));
}

TEST(Scorer, UnreadableBalances) {
  Drill r = drill();
  r.balances_text("ledger-3", "{not json");
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "safety_failure") << dump(report);
  EXPECT_TRUE(mentions(recon(report).at("invariant_problems").as_array(), "ledger-3: unreadable balances"));
}

TEST(Scorer, NegativeBalance) {
  Drill r;
  r.phase(0, "baseline");
  r.traffic(10, 3000, "ok");
  Transfer big{"big-1", "acct-1", "acct-2", Drill::replay(r.ledger()).at("acct-1") + 5};
  r.attempt(3100 * kMs, big, "ok");
  r.ledger().push_back(big);
  r.end(4000 * kMs);
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "safety_failure") << dump(report);
  EXPECT_EQ(count(report, "negative_balances"), 3);  // acct-1 on each of the three ledgers
  EXPECT_TRUE(mentions(recon(report).at("invariant_problems").as_array(), "ledger-1: acct-1 is negative"));
  EXPECT_TRUE(mentions(failures(report, "safety"), "3 negative balances"));
  EXPECT_TRUE(recon(report).at("money_conserved").as_bool());
}

TEST(Scorer, MoneyNotConserved) {
  Drill r = drill();
  auto b = Drill::replay(r.ledger());
  b["acct-3"] += 1;
  r.balances_text("ledger-1", Drill::balances_json(b));
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "safety_failure") << dump(report);
  EXPECT_FALSE(recon(report).at("money_conserved").as_bool());
  EXPECT_TRUE(mentions(recon(report).at("invariant_problems").as_array(), "ledger-1: total 4001 != 4000"));
  EXPECT_TRUE(mentions(failures(report, "safety"), "money not conserved"));
}

TEST(Scorer, ContractFieldNamesAreHonoured) {
  Drill r = drill();
  json::object& c = r.run_json()["contract"].as_object();
  c["key_field"] = "ref";
  c["from_field"] = "debit";
  c["to_field"] = "credit";
  c["amount_field"] = "minor_units";
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "pass") << dump(report);
  expect_nothing_flagged(report);
  EXPECT_NE(r.data().exports.at("ledger-1").text().find("\"ref\":\"k-0\""), std::string::npos);
}

TEST(Scorer, NoExportOrUnreadableLinesIsInconclusive) {
  Drill r = drill();
  r.no_exports();
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "inconclusive") << dump(report);
  EXPECT_TRUE(mentions(failures(report, "inconclusive"), "no ledger export was read"));

  RunData d = drill().data();
  for (auto& [node, source] : d.exports) source = source.text() + "{torn\n";
  report = score(d);
  EXPECT_EQ(verdict(report), "inconclusive") << dump(report);
  EXPECT_TRUE(mentions(failures(report, "inconclusive"), "3 unreadable export lines"));
}

// ---- detection -----------------------------------------------------------------------------

TEST(Scorer, UndetectedMissesTheDetectionObjective) {
  Drill r = drill(/*with_alert=*/false);
  r.objective("detect_within_ms", 3000);
  json::object report = r.score();
  expect_missed_for_want_of(report, "detected", "detection_ms", "undetected (detect within 3000 ms)");
  const json::object& o = report.at("objectives").as_array().at(0).as_object();
  EXPECT_EQ(o.at("name"), "fault[0] detect_within");
  EXPECT_FALSE(o.at("pass").as_bool());
  EXPECT_NE(report_summary(report).find("UNDETECTED"), std::string::npos);

  // An alert that fired only before T0, or an alert not named in [detection], does not count.
  r.alert(1000 * kMs, "firing", "LedgerPrimaryDown", "ledger-9").alert(1500 * kMs, "resolved", "LedgerPrimaryDown", "ledger-9");
  r.alert(5500 * kMs, "firing", "SomethingElse");
  report = r.score();
  EXPECT_EQ(verdict(report), "objectives_missed") << dump(report);
  EXPECT_FALSE(fault0(report).at("detected").as_bool());
}

TEST(Scorer, DetectionByLogPatternAndEarliestWins) {
  // The log line comes first: it detects.
  Drill r = drill();
  r.log(300 * kMs);                                   // bootstrap promotion, before T0: ignored
  r.log(5200 * kMs, "something unrelated");           // a pattern not in [detection]: ignored
  r.log(5500 * kMs);
  json::object report = r.score();
  EXPECT_EQ(fault0(report).at("detected_by").as_string(), "log /promoting .* to epoch/");
  EXPECT_EQ(number(fault0(report).at("detection_ms")), 500);

  // The alert comes first: it detects, the later log line changes nothing.
  Drill s = drill();
  s.log(300 * kMs);
  s.log(6500 * kMs);
  report = s.score();
  EXPECT_EQ(fault0(report).at("detected_by").as_string(), "alert LedgerPrimaryDown");
  EXPECT_EQ(number(fault0(report).at("detection_ms")), 1000);

  // Only the log: detected by it.
  Drill l = drill(/*with_alert=*/false);
  l.objective("detect_within_ms", 3000);
  l.log(7000 * kMs);
  report = l.score();
  EXPECT_EQ(verdict(report), "pass") << dump(report);
  EXPECT_EQ(number(fault0(report).at("detection_ms")), 2000);
}

TEST(Scorer, HarnessSideDetectionAfterNFailedProbes) {
  Drill r = drill();
  for (int64_t t = 250; t < 20000; t += 250) {
    bool ok = t < 5000 || t >= 8500;
    r.probe(t * kMs, "ledger-1", ok);
    r.probe(t * kMs + 1, "ledger-2", true);
  }
  r.probe(5300 * kMs, "ledger-2", false);  // one failure in a row is not N (3)
  json::object report = r.score();
  const json::object& f = fault0(report);
  // The third consecutive failure of ledger-1 after T0: 5000, 5250, 5500.
  EXPECT_EQ(number(f.at("harness_detection_ms")), 500);
  EXPECT_EQ(number(f.at("detection_gap_ms")), 500);  // the alert at 6000 ms
  EXPECT_EQ(number(f.at("detection_ms")), 1000);      // the harness does not replace the alert
  // Fault tolerance: ledger-1 went down, the other four did not (arbiter/gateway have no probes).
  EXPECT_EQ(section(report, "availability").at("nodes_survived").as_int64(), 4);
  EXPECT_DOUBLE_EQ(section(report, "availability").at("fault_tolerance").as_double(), 0.8);

  // With probe_failures = 5, later.
  r.run_json()["detection"].as_object()["probe_failures"] = 5;
  EXPECT_EQ(number(fault0(r.score()).at("harness_detection_ms")), 1000);
}

// ---- recovery ------------------------------------------------------------------------------

// Payments ok until the fault at T0 (5000 ms), failing from T0 until `fail_until_ms`, and the
// alert firing at 6000 ms; the test goes on from there.
Drill failing_after_the_fault_until_ms(int64_t fail_until_ms) {
  Drill r;
  r.traffic(10, 5000, "ok");
  r.fault_apply(4999 * kMs, 4998 * kMs).fault_applied(kT0);
  r.traffic(5000, fail_until_ms, "fail");
  r.alert(6000 * kMs, "firing");
  return r;
}

TEST(Scorer, NeverRecoveredMissesTheObjective) {
  Drill r = failing_after_the_fault_until_ms(15000);
  r.end(16000 * kMs);
  r.objective("recover_within_ms", 10000);
  json::object report = r.score();
  expect_missed_for_want_of(report, "recovered", "recovery_ms", "not recovered (recover within 10000 ms)");
  EXPECT_NE(report_summary(report).find("NOT RECOVERED"), std::string::npos);

  // DESIGN.md §6 lists "not recovered" among the objectives missed, RTO or not.
  r.objective("recover_within_ms", nullptr);
  report = r.score();
  expect_objectives_missed(report, "not recovered");
}

// The drill detects in 1000 ms and recovers in 3000 ms: an objective tighter than that is missed.
struct TooTightObjective {
  const char* name;  // the test's name
  const char* objective;
  int64_t target_ms;
  const char* mention;  // what the objectives' failures say
};

class ScorerTooTightObjective : public ::testing::TestWithParam<TooTightObjective> {};

TEST_P(ScorerTooTightObjective, IsMissed) {
  Drill r = drill();
  r.objective(GetParam().objective, GetParam().target_ms);
  expect_objectives_missed(r.score(), GetParam().mention);
}

INSTANTIATE_TEST_SUITE_P(Scorer, ScorerTooTightObjective,
                         ::testing::Values(TooTightObjective{"DetectedTooLate", "detect_within_ms", 500, "detected in 1000"},
                                           TooTightObjective{"RecoveredTooSlowly", "recover_within_ms", 2500,
                                                             "recovered in 3000"}),
                         [](const auto& instance) { return std::string(instance.param.name); });

TEST(Scorer, RecoveryNeedsTheHold) {
  // Steady again from 8000 ms but the workload ends at 9490 ms: less than the 2 s hold.
  Drill r;
  r.traffic(10, 5000, "ok");
  r.fault_apply(4999 * kMs, 4998 * kMs).fault_applied(kT0);
  r.traffic(5000, 7000, "fail");
  r.traffic(7000, 9500, "ok");
  r.end(10000 * kMs);
  json::object report = r.score();
  EXPECT_FALSE(fault0(report).at("recovered").as_bool()) << dump(report);
}

TEST(Scorer, FlappingMovesRecoveryLater) {
  // Steady from 8000 ms, unsteady again in [9000, 9500), steady for good from 10500 ms.
  Drill r = failing_after_the_fault_until_ms(7000);
  r.traffic(7000, 9000, "ok");
  r.traffic(9000, 9500, "unknown");
  r.traffic(9500, 20000, "ok");
  r.end(21000 * kMs);
  json::object report = r.score();
  const json::object& f = fault0(report);
  EXPECT_TRUE(f.at("recovered").as_bool()) << dump(report);
  EXPECT_EQ(number(f.at("recovery_ms")), 5500);
  EXPECT_EQ(number(f.at("outage_ms")), 5500);
  EXPECT_EQ(count(report, "unknown_absent"), 50);
}

TEST(Scorer, SlowOperationsAreImpactWhenLatencyIsPartOfTheSteadyState) {
  Drill r;
  r.steady("latency_p99_max_ms", 50);
  r.traffic(10, 5000, "ok");
  r.fault_apply(4999 * kMs, 4998 * kMs).fault_applied(kT0);
  for (int64_t t = 5000; t < 7000; t += 10) {
    Transfer p = Drill::payment(10'000 + t / 10);
    r.attempt(t * kMs, p, "ok", 1, 200 * kMs);  // acknowledged, but slow
    r.ledger().push_back(p);
  }
  r.traffic(7000, 20000, "ok");
  r.end(21000 * kMs);
  json::object report = r.score();
  const json::object& f = fault0(report);
  EXPECT_EQ(number(f.at("impact_ms")), 5000) << dump(report);
  EXPECT_FALSE(f.at("masked").as_bool());
  EXPECT_EQ(number(f.at("recovery_ms")), 3000);
  expect_nothing_flagged(report);
}

TEST(Scorer, MaskedFaultRecoversAtT0) {
  Drill r;
  r.objective("detect_within_ms", 3000).objective("recover_within_ms", 10000);
  r.traffic(10, 5000, "ok");
  r.fault_apply(4999 * kMs, 4998 * kMs).fault_applied(kT0);
  r.alert(5800 * kMs, "firing");
  r.traffic(5000, 20000, "ok");
  r.end(21000 * kMs);
  json::object report = r.score();
  const json::object& f = fault0(report);
  EXPECT_EQ(verdict(report), "pass") << dump(report);
  EXPECT_TRUE(f.at("masked").as_bool());
  EXPECT_TRUE(f.at("impact_ms").is_null());
  EXPECT_TRUE(f.at("recovered").as_bool());
  EXPECT_EQ(number(f.at("recovery_ms")), 0);
  EXPECT_TRUE(f.at("outage_ms").is_null());
  EXPECT_NE(report_summary(report).find("masked: no impact"), std::string::npos);
}

// ---- inconclusive, aborted, precedence -----------------------------------------------------

TEST(Scorer, AlertAlreadyFiringBeforeT0IsInconclusive) {
  Drill r = drill();
  r.alert(3000 * kMs, "firing", "LedgerPrimaryDown", "ledger-2");
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "inconclusive") << dump(report);
  EXPECT_EQ(exit_code(report), 3);
  EXPECT_TRUE(mentions(failures(report, "inconclusive"), "detection alert already firing before the fault was applied"));

  // Resolved before T0: fine.
  r.alert(4000 * kMs, "resolved", "LedgerPrimaryDown", "ledger-2");
  report = r.score();
  EXPECT_EQ(verdict(report), "pass") << dump(report);
}

// A fault acts before its verification completes (the clock page is read by the node at once,
// the witness takes ms): an alert between the step's start and T0 is the fault's, detected in 0.
TEST(Scorer, AlertWhileTheApplyIsVerifyingIsDetectionAtT0) {
  Drill r = drill(false);
  r.alert(4999 * kMs + 500'000, "firing", "LedgerPrimaryDown", "ledger-1");
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "pass") << dump(report);
  EXPECT_TRUE(fault0(report).at("detected").as_bool());
  EXPECT_EQ(number(fault0(report).at("detection_ms")), 0);
}

TEST(Scorer, FaultNeverVerifiedIsInconclusive) {
  Drill r;
  r.traffic(10, 5000, "ok");
  r.fault_apply(4999 * kMs, 4998 * kMs).fault_applied(kT0, /*verified=*/false);
  r.traffic(5000, 10000, "ok");
  r.end(11000 * kMs);
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "inconclusive") << dump(report);
  EXPECT_TRUE(mentions(failures(report, "inconclusive"), "fault[0] process.kill was never verified in effect"));

  Drill s;
  s.traffic(10, 5000, "ok");
  s.fault_apply(4999 * kMs, 4998 * kMs);
  s.record(kT0, "fault", "apply_failed", {{"fault", 0}, {"fault_kind", "process.kill"}, {"verified", false}, {"error", "no such pid"}});
  s.traffic(5000, 10000, "ok");
  s.end(11000 * kMs);
  report = s.score();
  EXPECT_EQ(verdict(report), "inconclusive") << dump(report);
  EXPECT_TRUE(mentions(failures(report, "inconclusive"), "never verified"));
}

TEST(Scorer, InterruptedRunIsInconclusive) {
  Drill r;
  r.traffic(10, 5000, "ok");  // no end record: the controller was killed
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "inconclusive") << dump(report);
  EXPECT_TRUE(mentions(failures(report, "inconclusive"), "the run did not finish"));
}

TEST(Scorer, HarnessErrorsAndPreconditionsAreInconclusive) {
  Drill r = drill();
  r.error(20600 * kMs, "final read ledger-2 exports/ledger-2.ndjson", "status 500");
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "inconclusive");
  EXPECT_TRUE(mentions(failures(report, "inconclusive"), "harness error: final read ledger-2"));

  Drill p = drill();
  p.precondition_failed(1000 * kMs, "steady state did not hold in the baseline");
  report = p.score();
  EXPECT_EQ(verdict(report), "inconclusive");
  EXPECT_TRUE(mentions(failures(report, "inconclusive"), "precondition failed: steady state did not hold"));

  RunData d = drill().data();
  d.read_errors.push_back("timeline.jsonl:17: unreadable record");
  report = score(d);
  EXPECT_EQ(verdict(report), "inconclusive");
  EXPECT_TRUE(mentions(failures(report, "inconclusive"), "timeline.jsonl:17"));
}

TEST(Scorer, AbortedRun) {
  Drill r = drill();
  r.abort(9000 * kMs, "stop condition: error ratio above 0.5");
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "aborted") << dump(report);
  EXPECT_EQ(exit_code(report), 4);
  EXPECT_TRUE(mentions(failures(report, "aborted"), "stop condition"));
}

TEST(Scorer, VerdictPrecedenceListsEveryFailingCondition) {
  auto build = [](bool precondition, bool aborted, bool lost, bool undetected) {
    Drill r = drill(!undetected);
    r.objective("detect_within_ms", 3000);
    if (precondition) r.precondition_failed(1000 * kMs, "system did not become healthy");
    if (aborted) r.abort(9000 * kMs, "stop condition");
    if (lost) r.ledger().erase(r.ledger().begin());
    return r.score();
  };
  // Each row drops the highest failing condition of the row above: the verdict names the highest
  // left, and every condition that still fails stays listed.
  struct Row {
    bool precondition, aborted, lost, undetected;
    const char* verdict;
    int exit_code;
    std::size_t inconclusive, aborted_listed, safety, objectives;
  };
  const Row rows[] = {
      {true, true, true, true, "inconclusive", 3, 1, 1, 1, 1},
      {false, true, true, true, "aborted", 4, 0, 1, 1, 1},
      {false, false, true, true, "safety_failure", 2, 0, 0, 1, 1},
      {false, false, false, true, "objectives_missed", 1, 0, 0, 0, 1},
      {false, false, false, false, "pass", 0, 0, 0, 0, 0},
  };
  for (const Row& row : rows) {
    json::object report = build(row.precondition, row.aborted, row.lost, row.undetected);
    EXPECT_EQ(verdict(report), row.verdict);
    EXPECT_EQ(exit_code(report), row.exit_code) << row.verdict;
    EXPECT_EQ(failures(report, "inconclusive").size(), row.inconclusive) << row.verdict << dump(report);
    EXPECT_EQ(failures(report, "aborted").size(), row.aborted_listed) << row.verdict;
    EXPECT_EQ(failures(report, "safety").size(), row.safety) << row.verdict;
    EXPECT_EQ(failures(report, "objectives").size(), row.objectives) << row.verdict;
  }
  json::object all = build(true, true, true, true);
  // The summary lists every failing condition too.
  std::string summary = report_summary(all);
  for (const char* g : {"inconclusive:", "aborted:", "safety:", "objectives:"}) {
    EXPECT_NE(summary.find(std::string("✗ ") + g), std::string::npos) << g << "\n" << summary;
  }
}

TEST(Scorer, ExitCodes) {
  EXPECT_EQ(exit_code_of("pass"), 0);
  EXPECT_EQ(exit_code_of("objectives_missed"), 1);
  EXPECT_EQ(exit_code_of("safety_failure"), 2);
  EXPECT_EQ(exit_code_of("inconclusive"), 3);
  EXPECT_EQ(exit_code_of("aborted"), 4);
  EXPECT_EQ(exit_code_of("something new"), 3);  // never 0
}

// ---- a checker that fails never lets a drill pass ------------------------------------------

TEST(Scorer, CheckerExceptionIsInconclusive) {
  // A detection alert that is not a string: the checker's as_string() throws.
  Drill r = drill();
  r.run_json()["detection"].as_object()["alerts"] = json::array{5};
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "inconclusive") << dump(report);
  EXPECT_EQ(exit_code(report), 3);
  ASSERT_EQ(failures(report, "inconclusive").size(), 1u);
  EXPECT_TRUE(mentions(failures(report, "inconclusive"), "checker error: "));
  EXPECT_NE(report_summary(report).find("verdict: inconclusive (exit 3)"), std::string::npos);

  // A schema that is not a string.
  Drill s = drill();
  s.run_json()["schema"] = 1;
  EXPECT_EQ(verdict(s.score()), "inconclusive");

  // A node entry that is not an object.
  Drill n = drill();
  n.run_json()["nodes"].as_array().push_back(7);
  EXPECT_EQ(verdict(n.score()), "inconclusive");
}

TEST(Scorer, MalformedRunJsonIsInconclusive) {
  // "objectives": 5 would otherwise read as "no objectives" and let an undetected drill pass.
  for (const char* section_name : {"objectives", "steady_state", "detection", "workload", "contract"}) {
    Drill r = drill(/*with_alert=*/false);
    r.run_json()[section_name] = 5;
    json::object report = r.score();
    EXPECT_EQ(verdict(report), "inconclusive") << section_name << ": " << dump(report);
  }
  Drill r = drill();
  r.run_json().erase("contract");
  EXPECT_EQ(verdict(r.score()), "inconclusive");
  Drill empty = drill();
  empty.run_json() = json::object{};
  EXPECT_EQ(verdict(empty.score()), "inconclusive");
}

TEST(Scorer, DetectionObjectiveAndItsReportAgreeAtTheBoundary) {
  // Detected 3000.0004 ms after T0: reported as 3000 ms (µs precision), so it meets a 3000 ms
  // objective both in the objectives list and in the verdict.
  Drill r = drill(/*with_alert=*/false);
  r.objective("detect_within_ms", 3000);
  r.alert(kT0 + 3000 * kMs + 400, "firing");
  json::object report = r.score();
  EXPECT_EQ(number(fault0(report).at("detection_ms")), 3000);
  const json::object& o = report.at("objectives").as_array().at(0).as_object();
  EXPECT_EQ(verdict(report) == "pass", o.at("pass").as_bool()) << dump(report);
}

// ---- determinism and availability ----------------------------------------------------------

TEST(Scorer, RescoringIsByteIdentical) {
  Drill r = drill();
  r.objective("detect_within_ms", 3000).objective("recover_within_ms", 10000).objective("mtbf_ms", 86'400'000);
  r.ledger().erase(r.ledger().begin() + 5);
  r.ledger().push_back(Transfer{"ghost", "acct-1", "acct-2", 3});
  for (int64_t t = 250; t < 20000; t += 250) r.probe(t * kMs, "ledger-1", t < 5000 || t > 8000);
  RunData d = r.data();
  std::string first = json::serialize(score(d));
  std::string second = json::serialize(score(d));
  std::string rebuilt = json::serialize(score(r.data()));
  EXPECT_EQ(first, second);
  EXPECT_EQ(first, rebuilt);
}

TEST(Scorer, AvailabilityAndProjection) {
  Drill r = drill();
  r.objective("mtbf_ms", 997'000).objective("availability_min", 0.95);
  json::object report = r.score();
  const json::object& a = section(report, "availability");
  EXPECT_DOUBLE_EQ(a.at("mttr_ms").as_double(), 3000);
  EXPECT_DOUBLE_EQ(a.at("projected_availability").as_double(), 997'000.0 / 1'000'000.0);
  EXPECT_DOUBLE_EQ(a.at("slo").as_double(), 0.95);
  // 1799 / 1999 < 0.95: the availability objective is missed.
  expect_objectives_missed(report, "availability");
  // An unexpected exit is reported and costs fault tolerance.
  Drill x = drill();
  x.exited(6000 * kMs, "ledger-3", false);
  x.exited(5000 * kMs, "ledger-1", true);  // the kill itself
  report = x.score();
  ASSERT_EQ(report.at("unexpected_exits").as_array().size(), 1u);
  EXPECT_EQ(report.at("unexpected_exits").as_array()[0], "ledger-3");
  EXPECT_EQ(section(report, "availability").at("nodes_survived").as_int64(), 4);
}

// ---- read_run_dir ----------------------------------------------------------------------------

// `d` as the runner leaves it on disk, in a fresh directory; the directory.
std::filesystem::path write_run_dir(const RunData& d, const std::string& name) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "exports");
  std::ofstream(dir / "run.json") << json::serialize(d.run);
  {
    std::ofstream out(dir / "timeline.jsonl");
    for (const auto& rec : d.timeline) out << json::serialize(rec) << "\n";
  }
  for (const auto& [node, source] : d.exports) {
    std::ofstream(dir / "exports" / (node + ".ndjson"), std::ios::binary) << source.text();
  }
  for (const auto& [node, text] : d.balances) std::ofstream(dir / "exports" / (node + ".balances.json")) << text;
  return dir;
}

TEST(Scorer, ReadRunDirRoundTrip) {
  namespace fs = std::filesystem;
  RunData d = drill().data();
  const fs::path dir = write_run_dir(d, "scorer_test");
  auto read = read_run_dir(dir.string());
  ASSERT_TRUE(read.is_ok());
  ASSERT_EQ(read->exports.size(), 3u);
  EXPECT_TRUE(read->exports.at("ledger-1").is_file());  // read by score(), a block at a time
  EXPECT_EQ(json::serialize(score(*read)), json::serialize(score(d)));

  // A torn last line (the controller killed mid-write): inconclusive, named.
  std::ofstream(dir / "timeline.jsonl", std::ios::app) << "{\"seq\":99";
  read = read_run_dir(dir.string());
  ASSERT_TRUE(read.is_ok());
  json::object report = score(*read);
  EXPECT_EQ(verdict(report), "inconclusive");
  EXPECT_TRUE(mentions(failures(report, "inconclusive"), "unreadable record"));
  fs::remove_all(dir);
  EXPECT_FALSE(read_run_dir(dir.string()).is_ok());
}

// A run killed before its first record leaves only the scenario and the plan: it still scores,
// as inconclusive, saying why. A directory that is no run directory is an error (exit 64).
TEST(Scorer, RunDirectoryWithoutATimelineIsInconclusive) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("no_timeline_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  EXPECT_FALSE(read_run_dir(dir.string()).is_ok());
  std::ofstream(dir / "scenario.toml") << "[drill]\n";
  auto read = read_run_dir(dir.string());
  ASSERT_TRUE(read.is_ok()) << read.status().message();
  json::object report = score(*read);
  EXPECT_EQ(verdict(report), "inconclusive");
  EXPECT_TRUE(mentions(failures(report, "inconclusive"), "timeline.jsonl: missing"));
  fs::remove_all(dir);
}

// Export files are read a block (1 MiB) at a time, each distinct text once, the others compared
// with it block by block: files of several blocks, a line longer than a block, lines cut by a
// block's end, identical big files, and files of one size that differ in one byte all score as
// the same texts in memory do.
TEST(Scorer, ExportFilesScoreAsTheTextsInMemory) {
  namespace fs = std::filesystem;
  RunData d = drill().data();
  std::string big = d.exports.at("ledger-2").text();
  for (int i = 0; i < 12'000; ++i) {
    big += "{\"position\":" + std::to_string(i) + ",\"idempotency_key\":\"never-" + std::to_string(i) +
           "\",\"from\":\"acct-1\",\"to\":\"acct-2\",\"amount\":3}\n";
  }
  big += "{\"idempotency_key\":\"k-1\",\"from\":\"acct-2\",\"to\":\"acct-3\",\"amount\":2,\"pad\":\"" +
         std::string(std::size_t{3} << 20, 'x') + "\"}\n";
  big += "{\"idempotency_key\":\"k-2\",\"from\":\"acct-3\",\"to\":\"acct-4\",\"amount\":3}";  // no newline
  ASSERT_GT(big.size(), std::size_t{4} << 20);
  d.exports["ledger-2"] = big;
  d.exports["ledger-4"] = big;
  std::string one_byte_off = d.exports.at("ledger-1").text();
  const std::size_t digit = one_byte_off.find("\"amount\":") + 9;
  one_byte_off[digit] = one_byte_off[digit] == '7' ? '8' : '7';
  d.exports["ledger-3"] = one_byte_off;
  d.exports["ledger-5"] = d.exports.at("ledger-1");
  const fs::path dir = write_run_dir(d, "scorer_test_blocks");
  auto read = read_run_dir(dir.string());
  ASSERT_TRUE(read.is_ok());
  const json::object from_files = score(*read);
  EXPECT_EQ(json::serialize(from_files), json::serialize(score(d)));
  EXPECT_EQ(recon(from_files).at("reference_node"), "ledger-2");
  EXPECT_EQ(count(from_files, "unexpected"), 12'000);
  EXPECT_FALSE(recon(from_files).at("replicas_agree").as_bool());
  // ledger-3 is read as its own text (its replay differs from its balances), ledger-5 as ledger-1's.
  const json::array& problems = recon(from_files).at("invariant_problems").as_array();
  EXPECT_TRUE(mentions(problems, "ledger-3: balances differ")) << dump(from_files);
  EXPECT_FALSE(mentions(problems, "ledger-1: balances differ")) << dump(from_files);
  EXPECT_FALSE(mentions(problems, "ledger-5")) << dump(from_files);
  fs::remove_all(dir);
}

// An export file that is gone when score() reads it (the directory changed after read_run_dir)
// is named, and the verdict is inconclusive: never a score from part of the final reads.
TEST(Scorer, ExportFileUnreadableWhenScoredIsInconclusive) {
  namespace fs = std::filesystem;
  const fs::path dir = write_run_dir(drill().data(), "scorer_test_gone");
  auto read = read_run_dir(dir.string());
  ASSERT_TRUE(read.is_ok());
  fs::remove(dir / "exports" / "ledger-2.ndjson");
  const json::object report = score(*read);
  EXPECT_EQ(verdict(report), "inconclusive") << dump(report);
  EXPECT_TRUE(mentions(failures(report, "inconclusive"), "ledger-2.ndjson: read: No such file or directory")) << dump(report);
  fs::remove_all(dir);
}

// ---- restores (storage-loss drills) -----------------------------------------------------------

// A restore action's end record as the runner writes it; `output` is what the action printed.
json::object restore_end(const char* node, int64_t started_ms, bool succeeded, json::object output,
                         const char* error = "") {
  return json::object{{"fault", 0}, {"node", node}, {"action", "restore"}, {"purpose", "restore"},
                      {"succeeded", succeeded}, {"error", error}, {"started_ns", started_ms * kMs},
                      {"output", std::move(output)}};
}

const json::object* objective_named(const json::object& report, const std::string& name) {
  for (const auto& o : report.at("objectives").as_array()) {
    if (o.at("name") == json::value(name)) return &o.as_object();
  }
  return nullptr;
}

TEST(Scorer, NoRestoreActionMeansNoRestoreSection) {
  json::object report = drill().score();
  EXPECT_TRUE(report.at("restore").is_null());
  EXPECT_TRUE(report.at("restores").as_array().empty());
}

TEST(Scorer, RestoreMeasuresItsDurationTheRestoredPointAndTheRpoAgainstIt) {
  // k-399 was acknowledged at 4000 ms, k-299 at 3000 ms; T0 is 5000 ms.
  Drill r = drill();
  r.objective("restore_within_ms", 500).objective("rpo_within_ms", 1500);
  r.record(7000 * kMs, "action", "end",
           restore_end("ledger-1", 6800, true, {{"ok", true}, {"restored_position", 400}, {"restored_key", "k-399"}}));
  r.record(7100 * kMs, "action", "end",
           restore_end("ledger-2", 6850, true, {{"ok", true}, {"restored_position", 300}, {"restored_key", "k-299"}}));
  json::object report = r.score();
  const json::object& restore = section(report, "restore");
  EXPECT_EQ(restore.at("restores").as_int64(), 2);
  EXPECT_EQ(restore.at("failed").as_int64(), 0);
  EXPECT_DOUBLE_EQ(number(restore.at("duration_ms")), 300) << "first start to last end";
  const json::object& point = restore.at("restored_point").as_object();
  EXPECT_EQ(point.at("position").as_int64(), 400) << "the highest position any node restored";
  EXPECT_EQ(point.at("key"), "k-399");
  EXPECT_DOUBLE_EQ(number(point.at("acknowledged_ms")), 4000);
  EXPECT_DOUBLE_EQ(number(restore.at("rpo_ms")), 1000);
  EXPECT_TRUE(restore.at("backup_integrity").as_bool());
  ASSERT_NE(objective_named(report, "fault[0] restore_within"), nullptr);
  EXPECT_TRUE(objective_named(report, "fault[0] restore_within")->at("pass").as_bool());
  EXPECT_TRUE(objective_named(report, "rpo_within")->at("pass").as_bool());
  EXPECT_EQ(verdict(report), "pass") << dump(report);
}

TEST(Scorer, SlowRestoreAndStaleRestoredPointMissTheirObjectives) {
  Drill r = drill();
  r.objective("restore_within_ms", 100).objective("rpo_within_ms", 500);
  r.record(7000 * kMs, "action", "end",
           restore_end("ledger-1", 6800, true, {{"ok", true}, {"restored_position", 400}, {"restored_key", "k-399"}}));
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "objectives_missed") << dump(report);
  EXPECT_EQ(exit_code(report), 1);
  EXPECT_FALSE(objective_named(report, "fault[0] restore_within")->at("pass").as_bool());
  EXPECT_FALSE(objective_named(report, "rpo_within")->at("pass").as_bool());
  EXPECT_TRUE(mentions(failures(report, "objectives"), "restored in 200"));
  EXPECT_TRUE(mentions(failures(report, "objectives"), "RPO 1000"));
}

TEST(Scorer, DamagedBackupIsASafetyFailureNamingTheFile) {
  Drill r = drill();
  r.record(7000 * kMs, "action", "end",
           restore_end("ledger-3", 6900, false,
                       {{"ok", false}, {"error", "sha256 mismatch"}, {"damaged_file", "/store/ledger-3/full-000000000400.sqlite"}},
                       "exit status 65"));
  json::object report = r.score();
  EXPECT_EQ(verdict(report), "safety_failure") << dump(report);
  EXPECT_EQ(exit_code(report), 2);
  EXPECT_TRUE(mentions(failures(report, "safety"), "refused a damaged backup: /store/ledger-3/full-000000000400.sqlite"));
  const json::object& restore = section(report, "restore");
  EXPECT_FALSE(restore.at("backup_integrity").as_bool());
  EXPECT_EQ(restore.at("damaged_files").as_array().size(), 1u);
  EXPECT_EQ(restore.at("failed").as_int64(), 1);
  EXPECT_TRUE(restore.at("restored_point").is_null());
}

TEST(Scorer, FailedRestoreWithoutDamageIsAnObjectiveMissed) {
  Drill r = drill();
  r.record(7000 * kMs, "action", "end", restore_end("ledger-3", 6900, false, {{"ok", false}, {"error", "no backup"}}, "exit status 66"));
  json::object report = r.score();
  expect_objectives_missed(report, "restore of ledger-3 failed: exit status 66");
}

}  // namespace
}  // namespace firedrill
