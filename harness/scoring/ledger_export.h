// One ledger export read for the reconciliation: each NDJSON line a transfer, checked against
// the request its idempotency key names on the timeline. The text itself is not kept.
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "scoring/payment_category.h"
#include "scoring/run_spec.h"
#include "scoring/timeline_index.h"

namespace firedrill {

// What the reconciliation needs of one export text, gathered line by line. Nodes whose texts are
// identical share one.
struct Export {
  int64_t transfers = 0;  // lines read as transfers
  int64_t bad_lines = 0;
  std::vector<uint32_t> copies;  // key id → its transfers (keys the timeline mentions)
  // Key id → the amount of its first transfer, when that transfer differs from the request
  // (from, to or amount); sorted by key id once read.
  std::vector<std::pair<uint32_t, int64_t>> corrupted;
  Category unexpected;             // transfers of keys the timeline never mentions, in export order
  std::vector<int64_t> sums;       // account id → the sum of its transfers (clamped)
  std::vector<uint32_t> accounts;  // the account ids with a sum, in first-transfer order
  int64_t last_key = -1;           // the key id of the last transfer (a guess for the next)
  std::vector<bool> seen;          // account id → has a sum

  // A transfer's `amount` out of (`debit`) or into `account`.
  void add_to_sum(uint32_t account, int64_t amount, bool debit) {
    if (account >= sums.size()) sums.resize(std::max<std::size_t>(account + 1, 2 * sums.size()), 0);
    if (account >= seen.size()) seen.resize(sums.size(), false);
    if (!seen[account]) {
      seen[account] = true;
      accounts.push_back(account);
    }
    sums[account] = debit ? clamped_sub(sums[account], amount) : clamped_add(sums[account], amount);
  }
  std::size_t copies_of(uint32_t key) const { return key < copies.size() ? copies[key] : 0; }
  // The amount of the first transfer of `key` when it is corrupted.
  std::optional<int64_t> corrupted_amount(uint32_t key) const {
    auto it = std::lower_bound(corrupted.begin(), corrupted.end(), std::make_pair(key, INT64_MIN));
    if (it == corrupted.end() || it->first != key) return std::nullopt;
    return it->second;
  }
};

// One NDJSON line (not blank) into `out`: the ordinary line is read in place (flat_json.h), any
// other parsed; a line that is not a JSON object is counted as bad. Names the accounts it meets
// in `t.names`.
void read_export_line(std::string_view line, const ContractFields& c, TimelineIndex& t,
                      Export& out);

}  // namespace firedrill
