// The final exports of every node, each distinct text read once (replicas normally hold
// identical texts, and a million payments make 200 MB of export per node).
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "scoring/ledger_export.h"
#include "scoring/run_data.h"

namespace firedrill {

struct ExportsRead {
  std::deque<Export> parsed;               // one per distinct text
  std::map<std::string, Export*> by_node;  // node → its text's Export
  std::vector<std::string> errors;         // files that could not be read to their end
};

// The exports of `data`. The first node of each group of identical texts is read and the others
// of its size are compared with it block by block meanwhile; a node that differs is read again
// later, as the first of its own group. Names the accounts the exports name in `t.names`.
ExportsRead read_exports(const RunData& data, const ContractFields& c, TimelineIndex& t);

}  // namespace firedrill
