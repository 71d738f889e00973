// The power-loss table; see power_loss_table.h.
#include "reports/power_loss_table.h"

#include "reports/report_values.h"

namespace firedrill {
namespace {

namespace json = boost::json;
using namespace report_values;

std::string count_cell(const json::object& o, std::string_view key) {
  auto v = number(o, key);
  return v ? format_number(*v, 0) : "–";
}

// "ledger.sqlite-wal (2789240 B)", one per file that lost data.
std::string files_cell(const json::object& node) {
  std::string out;
  for (const json::value& f : array(node, "files_discarded")) {
    if (!f.is_object()) continue;
    out += (out.empty() ? "" : ", ") + text(f.as_object(), "path") + " (" + count_cell(f.as_object(), "bytes_unsynced") + " B";
    if (integer(f.as_object(), "torn_bytes_kept", 0) > 0) out += ", " + count_cell(f.as_object(), "torn_bytes_kept") + " B torn in";
    out += ")";
  }
  return out.empty() ? "none" : out;
}

}  // namespace

std::optional<TextTable> power_loss_table(const json::object& report) {
  TextTable t{{"fault", "node", "bytes lost", "files that lost data", "names undone", "fsyncs",
               "written before 1st fsync (B)", "last fsync before the cut (ms)"},
              {false, false, true, false, true, true, true, true},
              {}};
  for (const json::value& v : array(report, "faults")) {
    if (!v.is_object()) continue;
    const json::object& cut = object(v.as_object(), "power_loss");
    if (cut.empty()) continue;
    const std::string fault = "#" + std::to_string(integer(v.as_object(), "index", -1)) + " power.loss";
    for (const json::value& n : array(cut, "nodes")) {
      if (!n.is_object()) continue;
      const json::object& node = n.as_object();
      t.rows.push_back({fault, text(node, "node"), count_cell(node, "bytes_discarded"), files_cell(node),
                        std::to_string(array(node, "names_undone").size()), count_cell(node, "fsyncs"),
                        count_cell(node, "bytes_before_first_fsync"), count_cell(node, "last_fsync_before_cut_ms")});
    }
  }
  if (t.rows.empty()) return std::nullopt;
  return t;
}

}  // namespace firedrill
