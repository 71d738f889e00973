// The ledger invariants; see invariants.h.
#include "scoring/invariants.h"

#include <boost/json.hpp>
#include <optional>

#include "core/json_read.h"
#include "scoring/payment_category.h"

namespace json = boost::json;

namespace firedrill {
namespace {

using Balances = std::map<std::string, int64_t>;

std::string account_name(const ContractFields& c, int64_t i) {
  std::string name = c.account_pattern;
  for (std::size_t at; (at = name.find("{i}")) != std::string::npos;)
    name.replace(at, 3, std::to_string(i));
  return name;
}

// The balances an export implies: the initial balances plus the sums of its transfers.
Balances replay(const Export& e, const ContractFields& c, const Names& names) {
  Balances balances;
  for (int64_t i = 1; i <= c.accounts; ++i) balances[account_name(c, i)] = c.initial_balance;
  for (const uint32_t account : e.accounts) {
    int64_t& balance = balances[std::string(names.view(account))];
    balance = clamped_add(balance, e.sums[account]);
  }
  return balances;
}

// The balances a node reported, or nullopt when its text is not {"accounts": [...]}.
std::optional<Balances> reported_balances(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  const json::value* accounts =
      ec || !v.is_object() ? nullptr : v.as_object().if_contains("accounts");
  if (!accounts || !accounts->is_array()) return std::nullopt;
  Balances reported;
  for (const auto& a : accounts->as_array()) {
    if (a.is_object())
      reported[json_read::text(a.as_object(), "id")] = json_read::integer(a.as_object(), "balance");
  }
  return reported;
}

// Money conserved and no balance negative, on one node's balances.
void check_totals(const std::string& node, const Balances& balances, int64_t expected_total,
                  Invariants& out) {
  int64_t total = 0;
  for (const auto& [id, balance] : balances) {
    total = clamped_add(total, balance);
    if (balance < 0) {
      ++out.negative;
      out.problems.push_back(json::value(node + ": " + id + " is negative"));
    }
  }
  if (total != expected_total) {
    out.money_conserved = false;
    out.problems.push_back(json::value(node + ": total " + std::to_string(total) +
                                       " != " + std::to_string(expected_total)));
  }
}

}  // namespace

Invariants check_invariants(const ExportsRead& exports,
                            const std::map<std::string, std::string>& balances,
                            const ContractFields& c, const Names& names) {
  Invariants out;
  const int64_t expected_total = c.accounts * c.initial_balance;
  std::map<const Export*, Balances> replays;  // each computed once
  for (const auto& [node, e] : exports.by_node) {
    auto [at, added] = replays.try_emplace(e);
    if (added) at->second = replay(*e, c, names);
    const Balances& replayed = at->second;
    auto text = balances.find(node);
    if (text == balances.end()) {
      check_totals(node, replayed, expected_total, out);
      continue;
    }
    const std::optional<Balances> reported = reported_balances(text->second);
    if (!reported) {
      out.problems.push_back(json::value(node + ": unreadable balances"));
      out.balances_match = false;
      continue;
    }
    if (*reported != replayed) {
      out.balances_match = false;
      out.problems.push_back(
          json::value(node + ": balances differ from the replay of its transfers"));
    }
    check_totals(node, *reported, expected_total, out);
  }
  return out;
}

}  // namespace firedrill
