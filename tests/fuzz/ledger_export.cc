// Fuzz target: the ledger export (NDJSON) parser of scoring (harness/scoring/ledger_export.cc), through
// score(), its public entry point, which also replays the exports against the balances. The
// input is split at NUL bytes: the export of ledger-1, then ledger-2's, then ledger-1's balances
// JSON (absent parts are absent reads). The rest of the run is fixed: refpay's contract, 4
// accounts, payments k-1..k-8 (k-1..k-5 acknowledged, k-6 failed, k-7 unknown, k-8 never
// completed), so that export lines name keys the timeline has and keys it has not.
// Must hold: score() returns a known verdict without a "checker error" (an exception inside
// scoring); and ledger-1's export scores the same with every line re-serialized by Boost.JSON,
// i.e. the fast path for flat lines and the full JSON parser read the same transfers.
#include <boost/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "scoring/scorer.h"
#include "targets.h"

namespace json = boost::json;

namespace firedrill::fuzz {
namespace {

constexpr int64_t kMs = 1'000'000;  // ns per ms

json::object run_json() {
  return json::object{
      {"schema", "firedrill.run/v1"},
      {"scenario", json::object{{"name", "fuzz"}, {"description", ""}, {"digest", "0"}, {"system", "refpay"}}},
      {"seed", 1},
      {"objectives", json::object{{"lost_payments_max", 0}, {"duplicated_payments_max", nullptr}}},
      {"steady_state", json::object{{"success_ratio_min", 0.5}, {"window_ms", 1000}, {"hold_ms", 1000}, {"probe_interval_ms", 250}}},
      {"detection", json::object{{"alerts", json::array{"LedgerPrimaryDown"}}, {"log_patterns", json::array{}}, {"probe_failures", 3}}},
      {"workload", json::object{{"accounts", 4}, {"amount_max", 100}, {"rate_per_s", 10.0}, {"timeout_ms", 1000}, {"retries", 0}}},
      {"contract", json::object{{"account_pattern", "acct-{i}"}, {"initial_balance", 1000}, {"key_field", "idempotency_key"},
                                {"from_field", "from"}, {"to_field", "to"}, {"amount_field", "amount"}}},
      {"phases", json::object{{"baseline_ms", 1000}, {"fault_phase_ms", 2000}, {"convergence_ms", 1000}}},
      {"nodes", json::array{json::object{{"name", "ledger-1"}, {"export", true}, {"balances", true}},
                            json::object{{"name", "ledger-2"}, {"export", true}, {"balances", false}}}},
      {"faults", json::array{}},
  };
}

// The run without its final reads, built once.
const RunData& base_run() {
  static const RunData data = [] {
    RunData d;
    d.run = run_json();
    int64_t seq = 0;
    auto record = [&](int64_t t_ms, const char* source, const char* kind, json::object fields) {
      fields["seq"] = seq++;
      fields["t_ns"] = t_ms * kMs;
      fields["source"] = source;
      fields["kind"] = kind;
      add_record(d, std::move(fields));
    };
    record(0, "harness", "phase", {{"phase", "baseline"}});
    const char* outcomes[] = {"ok", "ok", "ok", "ok", "ok", "fail", "unknown", nullptr};
    for (int i = 1; i <= 8; ++i) {
      const std::string key = "k-" + std::to_string(i);
      record(100 * i, "workload", "invoke",
             {{"op", i}, {"key", key}, {"from", "acct-" + std::to_string(i % 4 + 1)},
              {"to", "acct-" + std::to_string((i + 1) % 4 + 1)}, {"amount", i * 10}, {"attempt", 1}});
      if (const char* outcome = outcomes[i - 1]) {
        record(100 * i + 5, "workload", outcome, {{"op", i}, {"key", key}, {"attempt", 1}, {"latency_ns", 5 * kMs}});
      }
    }
    record(1000, "harness", "phase", {{"phase", "faults"}});
    record(4000, "harness", "end", {{"end", "completed"}});
    return d;
  }();
  return data;
}

std::vector<std::string_view> split_at_nul(std::string_view input, std::size_t parts_max) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < parts_max) {
    const std::size_t nul = input.find('\0');
    if (nul == std::string_view::npos) break;
    parts.push_back(input.substr(0, nul));
    input.remove_prefix(nul + 1);
  }
  parts.push_back(input);
  return parts;
}

// Every line that is JSON written again by Boost.JSON (flat, no spaces); others kept, and so
// are lines whose numbers overflow to infinity (Boost.JSON writes "Infinity", which is not JSON).
std::string reserialized(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    const std::string_view line = text.substr(0, end);
    json::error_code ec;
    const std::string again = json::serialize(json::parse(line, ec));
    if (!ec) json::parse(again, ec);
    out += ec ? std::string(line) : again;
    if (end < text.size()) out += '\n';
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return out;
}

json::object checked_score(const RunData& data) {
  json::object report = score(data);
  static const std::set<std::string, std::less<>> verdicts{"pass", "objectives_missed", "safety_failure",
                                                           "inconclusive", "aborted"};
  const json::value* verdict = report.if_contains("verdict");
  FUZZ_CHECK(verdict && verdict->is_string() && verdicts.count(verdict->as_string()), json::serialize(report));
  const json::value* failures = report.if_contains("failures");
  if (failures && failures->is_object()) {
    if (const json::value* list = failures->as_object().if_contains("inconclusive"); list && list->is_array()) {
      for (const json::value& f : list->as_array()) {
        FUZZ_CHECK(!f.is_string() || std::string_view(f.as_string()).find("checker error") == std::string_view::npos,
                   json::serialize(f));
      }
    }
  }
  return report;
}

}  // namespace

void ledger_export(std::string_view input) {
  const std::vector<std::string_view> parts = split_at_nul(input, 3);
  RunData data = base_run();
  data.exports["ledger-1"] = std::string(parts[0]);
  if (parts.size() > 1) data.exports["ledger-2"] = std::string(parts[1]);
  if (parts.size() > 2) data.balances["ledger-1"] = std::string(parts[2]);
  checked_score(data);

  // The differential: ledger-1 alone, as written and re-serialized.
  data.exports.erase("ledger-2");
  const json::object as_written = checked_score(data);
  data.exports["ledger-1"] = reserialized(parts[0]);
  const json::object again = checked_score(data);
  FUZZ_CHECK(as_written.at("reconciliation") == again.at("reconciliation"),
             json::serialize(as_written.at("reconciliation")) + "\n  vs re-serialized\n" +
                 json::serialize(again.at("reconciliation")));
}

}  // namespace firedrill::fuzz
