// The ledger invariants on every node (DESIGN.md §5): its balances equal the replay of its own
// export (initial balances plus its transfers), money is conserved, and no balance is negative.
#pragma once

#include <boost/json/array.hpp>
#include <cstdint>
#include <map>
#include <string>

#include "scoring/exports.h"
#include "scoring/run_spec.h"
#include "scoring/string_table.h"

namespace firedrill {

struct Invariants {
  bool money_conserved = true, balances_match = true;
  int64_t negative = 0;         // negative balances, over all nodes
  boost::json::array problems;  // one line each, node first
};

// `balances`: node → its balances JSON text (a node without one is held to its replay).
Invariants check_invariants(const ExportsRead& exports,
                            const std::map<std::string, std::string>& balances,
                            const ContractFields& c, const Names& names);

}  // namespace firedrill
