// report.md; see markdown_report.h. Sections in the order a reviewer reads them: verdict, why
// it failed, then the measurements. Every list is bounded so the comment stays far below
// GitHub's 65 536-character limit whatever the report holds.
#include "reports/markdown_report.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "reports/alert_tables.h"
#include "reports/power_loss_table.h"
#include "reports/report_values.h"

namespace firedrill {
namespace {

namespace json = boost::json;
using namespace report_values;

constexpr std::size_t kIdsListedMax = 20;         // payment ids shown per category
constexpr std::size_t kConditionsListedMax = 50;  // failing conditions shown per group
constexpr std::size_t kProblemsListedMax = 20;    // invariant problems shown
constexpr std::size_t kDigestShownChars = 12;     // of the scenario's SHA-256

// ---- escaping ------------------------------------------------------------------------------

// Text from the report as literal Markdown: punctuation that could start emphasis, a link, a
// table cell, HTML or an entity is backslash-escaped, and a line break becomes a space (every
// value sits inside a line, a list item or a table cell).
std::string md_text(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    // Block markers count only at the start of a line; ours start items and cells.
    bool leading_marker = i == 0 && (c == '-' || c == '+' || c == '=');
    if (std::string_view("\\`*_[]<>|~&#").find(c) != std::string_view::npos || leading_marker) out += '\\';
    out += c;
  }
  return out;
}

// A code span holding `s` verbatim: the fence is one backtick longer than the longest run
// inside. In a table cell a `|` still splits the cell (GFM), so it is escaped there.
std::string md_code(std::string_view s, bool in_table) {
  if (s.empty()) return "n/a";
  std::size_t run = 0, longest = 0;
  std::string body;
  for (char c : s) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    if (c == '\n' || c == '\r') c = ' ';
    if (c == '|' && in_table) body += '\\';
    body += c;
  }
  std::string fence(longest + 1, '`');
  bool pad = s.front() == '`' || s.back() == '`';
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

std::string bold(const std::string& markdown) { return "**" + markdown + "**"; }

// ---- values --------------------------------------------------------------------------------

std::string ms_text(double ms) { return format_number(ms, 1) + " ms"; }

// A duration or instant in ms, or `none` when null / absent.
std::string ms_or(const json::object& o, std::string_view key, const std::string& none) {
  auto v = number(o, key);
  return v ? ms_text(*v) : none;
}

// A count, bold when not zero (every count we bold is a defect).
std::string count_text(long long n) { return n ? bold(std::to_string(n)) : "0"; }

std::string yes_no(std::optional<bool> good) {
  if (!good) return "n/a";
  return *good ? "yes" : bold("no");
}

// `items` (already Markdown) joined by ", ", at most `max` of them, then "… and N more" for
// the rest of `total` (which may exceed items.size() when the report itself truncated the list).
std::string bounded_list(const std::vector<std::string>& items, std::size_t total, std::size_t max) {
  std::string out;
  std::size_t shown = std::min(items.size(), max);
  for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + items[i];
  if (total > shown) out += (shown ? ", … and " : "… ") + std::to_string(total - shown) + " more";
  return out;
}

// A table: a header row, an alignment row (`right` per column) and the rows.
void table(std::string& out, const std::vector<std::string>& header, const std::vector<bool>& right,
           const std::vector<std::vector<std::string>>& rows) {
  auto line = [&](const std::vector<std::string>& cells) {
    out += '|';
    for (const auto& cell : cells) out += ' ' + cell + " |";
    out += '\n';
  };
  line(header);
  out += '|';
  for (std::size_t i = 0; i < header.size(); ++i) out += i < right.size() && right[i] ? "---:|" : "---|";
  out += '\n';
  for (const auto& row : rows) line(row);
  out += '\n';
}

void heading(std::string& out, const std::string& title) { out += "#### " + title + "\n\n"; }

// ---- sections ------------------------------------------------------------------------------

void headline(const json::object& report, std::string& out) {
  const json::object& scenario = object(report, "scenario");
  std::string name = text(scenario, "name");
  out += "### " + bold(md_text(verdict_marker(text(report, "verdict")))) + " · firedrill drill " +
         md_code(name, false) + "\n\n";
  std::string digest = text(scenario, "digest").substr(0, kDigestShownChars);
  const json::value* seed = field(report, "seed");
  out += "Seed " + md_text(seed ? scalar(*seed, 0) : "none") + " · scenario digest " + md_code(digest, false) +
         " · exit code " + std::to_string(integer(report, "exit_code", -1)) + "\n\n";
  if (std::string description = text(scenario, "description"); !description.empty()) {
    out += "> " + md_text(description) + "\n\n";
  }
}

void failing_conditions(const json::object& report, std::string& out) {
  heading(out, "Failing conditions");
  const json::object& failures = object(report, "failures");
  bool any = false;
  for (const char* group : {"inconclusive", "aborted", "safety", "objectives"}) {
    std::vector<std::string> list = strings(failures, group);
    for (std::size_t i = 0; i < list.size() && i < kConditionsListedMax; ++i) {
      out += "- " + std::string(group) + ": " + md_text(list[i]) + "\n";
    }
    if (list.size() > kConditionsListedMax) {
      out += "- " + std::string(group) + ": … and " + std::to_string(list.size() - kConditionsListedMax) +
             " more in `report.json`\n";
    }
    any = any || !list.empty();
  }
  out += any ? "\n" : "None.\n\n";
}

// "detect ≤ 3000 ms: met" for the fault's objective `which`, or "" when there is none.
std::string fault_objective(const json::object& report, long long index, const char* which, const char* label) {
  std::string name = "fault[" + std::to_string(index) + "] " + which;
  const json::object* objective = find_objective(report, name);
  if (!objective) return "";
  ObjectiveShape shape = objective_shape(name);
  const json::value* target = field(*objective, "target");
  std::optional<bool> pass = flag(*objective, "pass");
  return std::string(label) + " " + shape.comparison + " " + md_text(target ? scalar(*target, 1) : "none") +
         shape.unit + ": " + (pass ? (*pass ? "met" : bold("missed")) : "n/a");
}

void faults(const json::object& report, std::string& out) {
  heading(out, "Faults");
  const json::array& list = array(report, "faults");
  if (list.empty()) {
    out += "No fault was applied.\n\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const json::value& v : list) {
    if (!v.is_object()) continue;
    const json::object& f = v.as_object();
    long long index = integer(f, "index", -1);
    std::string node = md_code(text(f, "node"), true);
    if (std::string target = text(f, "target"); !target.empty() && target != text(f, "node")) {
      node += " (" + md_code(target, true) + ")";
    }
    std::string detection = bold("undetected");
    if (flag(f, "detected").value_or(false)) {
      detection = ms_or(f, "detection_ms", "n/a");
      if (std::string by = text(f, "detected_by"); !by.empty()) detection += " by " + md_text(by);
    }
    if (auto harness = number(f, "harness_detection_ms")) detection += "; harness " + ms_text(*harness);
    std::string recovery = flag(f, "recovered").value_or(false) ? ms_or(f, "recovery_ms", "n/a") : bold("not recovered");
    std::string outage = flag(f, "masked").value_or(false) ? "none (masked)" : ms_or(f, "outage_ms", "none");
    std::string objectives = fault_objective(report, index, "detect_within", "detect");
    std::string recover = fault_objective(report, index, "recover_within", "recover");
    objectives += (objectives.empty() || recover.empty() ? "" : "; ") + recover;
    rows.push_back({std::to_string(index), md_code(text(f, "kind"), true), node, ms_or(f, "t0_ms", "n/a"), detection,
                    recovery, outage, objectives.empty() ? "none set" : objectives});
  }
  table(out, {"#", "fault", "node", "T0", "detection", "recovery", "outage", "objectives"},
        {true, false, false, true, false, true, true, false}, rows);
}

// A table of plain text (alert_tables.h), every cell escaped.
void text_table(std::string& out, const TextTable& t) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : t.rows) {
    rows.emplace_back();
    for (const auto& cell : row) rows.back().push_back(md_text(cell));
  }
  std::vector<std::string> header;
  for (const auto& cell : t.header) header.push_back(md_text(cell));
  table(out, header, t.right, rows);
}

// Where each detection's time went, and which alert caught which fault.
void alerting(const json::object& report, std::string& out) {
  if (auto stages = detection_stages_table(report)) {
    heading(out, "Detection stages (ms after T0)");
    text_table(out, *stages);
  }
  if (auto coverage = alert_coverage_table(report)) {
    heading(out, "Alert coverage");
    text_table(out, *coverage);
    const std::vector<std::string> notes = alert_coverage_notes(report);
    for (const std::string& note : notes) out += "- " + md_text(note) + "\n";
    if (!notes.empty()) out += "\n";
  }
}

// What each power cut took from each node's volume, and how the node had synced until then.
void power_loss(const json::object& report, std::string& out) {
  if (auto table = power_loss_table(report)) {
    heading(out, "Power loss: what was not durable");
    text_table(out, *table);
  }
}

void reconciliation(const json::object& report, std::string& out) {
  heading(out, "Reconciliation");
  const json::object& r = object(report, "reconciliation");
  if (r.empty()) {
    out += "Not reconciled: the report has no reconciliation.\n\n";
    return;
  }
  std::string lost = count_text(integer(r, "lost"));
  if (integer(r, "lost")) {
    lost += " (amount " + std::to_string(integer(r, "lost_amount")) + "; " + std::to_string(integer(r, "lost_after_t0")) +
            " acknowledged after T0)";
  }
  std::string rpo = ms_or(r, "rpo_ms", "n/a");
  if (number(r, "loss_span_ms").value_or(0) > 0) rpo += " (span " + ms_or(r, "loss_span_ms", "n/a") + ")";
  table(out,
        {"acknowledged", "lost", "duplicated", "failed but applied", "unexpected", "corrupted", "unknown → applied",
         "unknown → absent", "RPO"},
        {true, true, true, true, true, true, true, true, true},
        {{std::to_string(integer(r, "acknowledged")) + " of " + std::to_string(integer(r, "invoked")) + " invoked", lost,
          count_text(integer(r, "duplicated")), count_text(integer(r, "failed_but_applied")),
          count_text(integer(r, "unexpected")), count_text(integer(r, "corrupted")),
          std::to_string(integer(r, "recovered")), std::to_string(integer(r, "unknown_absent")), rpo}});
  out += "Reference export: " + md_code(text(r, "reference_node"), false) + ".\n\n";
}

// Storage-loss drills: each restore, the restored point, the RPO against it, the backups' state.
void restores(const json::object& report, std::string& out) {
  const json::value* summary = field(report, "restore");
  if (!summary || !summary->is_object()) return;
  const json::object& x = summary->as_object();
  heading(out, "Restore");
  std::vector<std::vector<std::string>> rows;
  for (const json::value& v : array(report, "restores")) {
    if (!v.is_object()) continue;
    const json::object& r = v.as_object();
    std::string result = flag(r, "succeeded").value_or(false) ? "restored" : bold("failed");
    if (std::string damaged = text(r, "damaged_file"); !damaged.empty()) {
      result += ": damaged backup " + md_code(damaged, true);
    } else if (std::string error = text(r, "error"); !error.empty()) {
      result += ": " + md_text(error);
    }
    std::string point = field(r, "restored_position") && !field(r, "restored_position")->is_null()
                            ? "position " + std::to_string(integer(r, "restored_position"))
                            : "none";
    rows.push_back({std::to_string(integer(r, "fault", -1)), md_code(text(r, "node"), true),
                    md_code(text(r, "action"), true), ms_or(r, "started_ms", "n/a"), ms_or(r, "duration_ms", "n/a"),
                    point, result});
  }
  table(out, {"fault", "node", "action", "start", "duration", "restored to", "result"},
        {true, false, false, true, true, false, false}, rows);
  std::string point = "none";
  if (const json::value* p = field(x, "restored_point"); p && p->is_object()) {
    const json::object& rp = p->as_object();
    point = "position " + std::to_string(integer(rp, "position")) + " (" + md_code(text(rp, "key"), false) +
            ", acknowledged at " + ms_or(rp, "acknowledged_ms", "n/a") + ")";
  }
  out += "Restored point: " + point + ". RPO against it: " + bold(ms_or(x, "rpo_ms", "n/a")) +
         ". Payments acknowledged after it and lost: " + std::to_string(integer(x, "lost")) +
         " (amount " + std::to_string(integer(x, "lost_amount")) + "). Backups: " +
         (flag(x, "backup_integrity").value_or(true) ? "every file verified"
                                                     : bold("damaged") + " — " +
                                                           bounded_list(strings(x, "damaged_files"),
                                                                        strings(x, "damaged_files").size(),
                                                                        kIdsListedMax)) +
         ".\n\n";
}

void invariants(const json::object& report, std::string& out) {
  heading(out, "Invariants");
  const json::object& r = object(report, "reconciliation");
  if (r.empty()) {
    out += "Not checked: the report has no reconciliation.\n\n";
    return;
  }
  std::string negative = field(r, "negative_balances") ? count_text(integer(r, "negative_balances")) : "n/a";
  table(out, {"money conserved", "negative balances", "balances = replay", "replicas agree"}, {false, true, false, false},
        {{yes_no(flag(r, "money_conserved")), negative, yes_no(flag(r, "balances_match_replay")),
          yes_no(flag(r, "replicas_agree"))}});
  std::vector<std::string> problems = strings(r, "invariant_problems");
  for (std::size_t i = 0; i < problems.size() && i < kProblemsListedMax; ++i) out += "- " + md_text(problems[i]) + "\n";
  if (problems.size() > kProblemsListedMax) {
    out += "- … and " + std::to_string(problems.size() - kProblemsListedMax) + " more in `report.json`\n";
  }
  if (!problems.empty()) out += '\n';
}

void availability(const json::object& report, std::string& out) {
  heading(out, "Availability");
  const json::object& a = object(report, "availability");
  if (a.empty()) {
    out += "Not measured.\n\n";
    return;
  }
  auto percent = [&](std::string_view key) {
    auto v = number(a, key);
    return v ? format_percent(*v) : std::string("n/a");
  };
  out += "Success ratio " + bold(percent("success_ratio")) + " (" + std::to_string(integer(a, "ok")) + " of " +
         std::to_string(integer(a, "attempts")) + " attempts) against an SLO of " + percent("slo") +
         "; error budget consumed: " + percent("error_budget_consumed") + ". Fault tolerance: " +
         std::to_string(integer(a, "nodes_survived")) + " of " + std::to_string(integer(a, "nodes")) +
         " nodes kept serving.";
  if (auto mttr = number(a, "mttr_ms")) out += " MTTR " + ms_text(*mttr) + ".";
  if (auto projected = number(a, "projected_availability")) {
    out += " Projected availability (MTBF / (MTBF + MTTR)): " + format_number(*projected * 100.0, 4) + " %.";
  }
  out += "\n\n";
  std::vector<std::string> exits;
  for (const std::string& node : strings(report, "unexpected_exits")) exits.push_back(md_code(node, false));
  if (!exits.empty()) out += "Unexpected process exits: " + bounded_list(exits, exits.size(), kIdsListedMax) + ".\n\n";
}

void objectives(const json::object& report, std::string& out) {
  heading(out, "Objectives");
  std::vector<std::vector<std::string>> rows;
  for (const json::value& v : array(report, "objectives")) {
    if (!v.is_object()) continue;
    const json::object& o = v.as_object();
    std::string name = text(o, "name");
    ObjectiveShape shape = objective_shape(name);
    int decimals = shape.unit.empty() ? 4 : 1;
    const json::value* target = field(o, "target");
    const json::value* measured = field(o, "measured");
    std::optional<bool> pass = flag(o, "pass");
    rows.push_back({md_code(name, true), shape.comparison + " " + md_text(target ? scalar(*target, decimals) : "none") + shape.unit,
                    measured && !measured->is_null() ? md_text(scalar(*measured, decimals)) + shape.unit : "none",
                    pass ? (*pass ? "met" : bold("missed")) : "n/a"});
  }
  if (rows.empty()) {
    out += "None in the report.\n\n";
    return;
  }
  table(out, {"objective", "target", "measured", "result"}, {false, true, true, false}, rows);
}

void id_lists(const json::object& report, std::string& out) {
  const json::object& r = object(report, "reconciliation");
  struct Category {
    const char* key;
    const char* title;
  };
  constexpr std::array<Category, 5> categories{{{"lost", "Lost payments"},
                                                {"duplicated", "Duplicated payments"},
                                                {"failed_but_applied", "Failed but applied"},
                                                {"unexpected", "Unexpected transfers"},
                                                {"corrupted", "Corrupted transfers"}}};
  for (const Category& c : categories) {
    long long count = integer(r, c.key);
    if (count <= 0) continue;
    heading(out, std::string(c.title) + " (" + std::to_string(count) + ")");
    std::vector<std::string> ids;
    for (const std::string& id : strings(r, std::string(c.key) + "_ids")) {
      if (ids.size() == kIdsListedMax) break;
      ids.push_back(md_code(id, false));
    }
    out += bounded_list(ids, static_cast<std::size_t>(count), kIdsListedMax) + "\n\n";
  }
}

}  // namespace

std::string markdown_report(const json::object& report) {
  std::string out;
  headline(report, out);
  failing_conditions(report, out);
  faults(report, out);
  alerting(report, out);
  power_loss(report, out);
  reconciliation(report, out);
  restores(report, out);
  invariants(report, out);
  availability(report, out);
  objectives(report, out);
  id_lists(report, out);
  out += "<sub>firedrill · " + md_text(text(report, "schema").empty() ? "report of an unknown schema" : text(report, "schema")) +
         " · every measurement in the run directory's `report.json`</sub>\n";
  return out;
}

}  // namespace firedrill
