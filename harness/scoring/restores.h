// Storage-loss drills (DESIGN.md §5 "Restore"): every restore action with its duration and its
// report (refpay-restore prints one JSON line: restored_position, restored_key, damaged_file),
// the restored point (the newest restored transfer: the highest position any node restored) and
// when the workload was told that payment was acknowledged, the RPO against it, and the backups'
// integrity. The restore objectives are judged with the others (objectives.h).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scoring/reconciliation.h"
#include "scoring/timeline_index.h"

namespace firedrill {

struct RestoresOfFault {
  int64_t first_start_ns = 0, last_end_ns = 0;
  bool all_succeeded = true;
  int64_t restores = 0;
  double duration_ms() const;  // first start to last end
};

struct RestoreMeasures {
  boost::json::array restores;               // report.json's "restores", in timeline order
  std::map<int, RestoresOfFault> per_fault;  // fault index → its restores
  boost::json::array damaged_files;
  std::optional<boost::json::object> restored_point;
  boost::json::value rpo_ms;  // against the restored point, else the reconciliation's
  std::vector<std::string> refused_backups;  // safety failures: a damaged backup refused
  std::vector<std::string> failed_restores;  // objective failures: a restore that failed
};

// `reconciliation_rpo_ms`: the reconciliation's RPO, for a drill whose restores brought back no
// payment of its own.
RestoreMeasures measure_restores(const TimelineIndex& t,
                                 const boost::json::value& reconciliation_rpo_ms);

// report.json's "restore": null when the drill ran no restore.
boost::json::value restore_json(const RestoreMeasures& m, const Reconciliation& r);

}  // namespace firedrill
