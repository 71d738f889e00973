// junit.xml; see junit_report.h. Cases are built first (name, class, result, message, details),
// then written, so the counts on <testsuites> / <testsuite> are those of the cases written.
// Class names are "SCENARIO.GROUP" (objectives, safety, faults, run): Jenkins shows the scenario
// as the package and the group as the class; GitLab and GitHub group by it.
#include "reports/junit_report.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "reports/report_values.h"

namespace firedrill {
namespace {

namespace json = boost::json;
using namespace report_values;

constexpr std::size_t kIdsListedMax = 20;       // payment ids in a failure's details
constexpr std::size_t kReasonsListedMax = 200;  // reasons in the inconclusive / aborted error
constexpr int kDecimals = 3;                    // report.json gives ms to the µs

// ---- XML escaping --------------------------------------------------------------------------

// The code point of the UTF-8 sequence at s[i] and its length, or nullopt when the bytes there
// are not well-formed UTF-8 (overlong, surrogate, beyond U+10FFFF, truncated).
std::optional<std::pair<char32_t, std::size_t>> decode_utf8(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return std::pair<char32_t, std::size_t>{lead, 1};
  std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
  if (length == 0 || lead > 0xF4 || i + length > s.size()) return std::nullopt;
  char32_t cp = lead & (0x7F >> length);
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  constexpr std::array<char32_t, 5> kShortest{0, 0, 0x80, 0x800, 0x10000};
  if (cp < kShortest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return std::pair<char32_t, std::size_t>{cp, length};
}

// Whether XML 1.0 allows the character at all (§2.2 Char).
bool xml_char(char32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
         cp >= 0x10000;
}

// `s` as XML character data, or as an attribute value when `attribute` (where line breaks and
// tabs are written as references so attribute-value normalization keeps them). Bytes that are
// not UTF-8 and characters XML forbids become U+FFFD.
std::string xml_escape(std::string_view s, bool attribute) {
  std::string out;
  out.reserve(s.size() + 16);
  for (std::size_t i = 0; i < s.size();) {
    auto decoded = decode_utf8(s, i);
    if (!decoded || !xml_char(decoded->first)) {
      out += "\xEF\xBF\xBD";
      i += decoded ? decoded->second : 1;
      continue;
    }
    switch (decoded->first) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += attribute ? "&quot;" : "\""; break;
      case '\'': out += attribute ? "&apos;" : "'"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\r': out += "&#13;"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      default: out.append(s.substr(i, decoded->second)); break;
    }
    i += decoded->second;
  }
  return out;
}

// ---- cases ---------------------------------------------------------------------------------

enum class Outcome { passed, failed, error, skipped };

struct Case {
  Case(std::string name_in, std::string group_in) : name(std::move(name_in)), group(std::move(group_in)) {}

  std::string name, group;
  Outcome outcome = Outcome::passed;
  std::string message;     // failure / error / skipped message
  std::string type;        // failure / error type
  std::string details;     // failure / error body
  std::string system_out;  // what was measured, for passing cases too
};

Case failed(Case c, std::string message, std::string type, std::string details) {
  c.outcome = Outcome::failed;
  c.message = std::move(message);
  c.type = std::move(type);
  c.details = std::move(details);
  return c;
}

Case skipped(Case c, std::string message) {
  c.outcome = Outcome::skipped;
  c.message = std::move(message);
  return c;
}

// A value from the report with its unit: "1331.719 ms", "3", "none".
std::string measured_text(const json::value* v, const std::string& unit) {
  if (!v || v->is_null()) return "none";
  return scalar(*v, kDecimals) + (v->is_number() ? unit : "");
}

std::string ms_text(const json::object& o, std::string_view key) {
  auto v = number(o, key);
  return v ? format_number(*v, kDecimals) + " ms" : std::string("none");
}

// Up to kIdsListedMax ids, one a line, then "… and N more" for the rest of `total`.
std::string id_lines(const json::object& r, const std::string& key, long long total) {
  std::string out;
  std::size_t shown = 0;
  for (const std::string& id : strings(r, key)) {
    if (shown == kIdsListedMax) break;
    out += id + "\n";
    ++shown;
  }
  if (total > static_cast<long long>(shown)) out += "… and " + std::to_string(total - static_cast<long long>(shown)) + " more\n";
  return out;
}

std::string lines(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& line : list) out += line + "\n";
  return out;
}

// The verdict's reasons when it is not a measured one: inconclusive, aborted, or unknown.
std::optional<Case> run_error_case(const json::object& report) {
  std::string verdict = text(report, "verdict");
  const json::object& failures = object(report, "failures");
  std::vector<std::string> reasons;
  for (const char* group : {"inconclusive", "aborted"}) {
    for (const std::string& reason : strings(failures, group)) reasons.push_back(std::string(group) + ": " + reason);
  }
  bool measured = verdict == "pass" || verdict == "objectives_missed" || verdict == "safety_failure";
  if (measured && reasons.empty()) return std::nullopt;
  if (!measured && verdict != "inconclusive" && verdict != "aborted") {
    reasons.insert(reasons.begin(), "report.json has no known verdict: \"" + verdict + "\"");
  }
  std::size_t total = reasons.size();
  if (total > kReasonsListedMax) {
    reasons.resize(kReasonsListedMax);
    reasons.push_back("… and " + std::to_string(total - kReasonsListedMax) + " more in report.json");
  }
  Case c{"verdict", "run"};
  c.outcome = Outcome::error;
  c.message = (verdict.empty() ? std::string("no verdict") : verdict) + ": " + std::to_string(total) +
              (total == 1 ? " reason" : " reasons");
  c.type = verdict.empty() ? "unknown" : verdict;
  c.details = lines(reasons);
  return c;
}

void objective_cases(const json::object& report, std::vector<Case>& cases) {
  for (const json::value& v : array(report, "objectives")) {
    if (!v.is_object()) continue;
    const json::object& o = v.as_object();
    std::string name = text(o, "name");
    ObjectiveShape shape = objective_shape(name);
    std::string measured = measured_text(field(o, "measured"), shape.unit);
    std::string target = shape.comparison + " " + measured_text(field(o, "target"), shape.unit);
    Case c{name, "objectives"};
    c.system_out = "measured " + measured + ", target " + target + "\n";
    std::optional<bool> pass = flag(o, "pass");
    if (!pass) {
      cases.push_back(skipped(std::move(c), "report.json gives no pass / fail for this objective"));
    } else if (!*pass) {
      cases.push_back(failed(std::move(c), "measured " + measured + " vs target " + target, "objective",
                             "objective " + name + " missed: measured " + measured + ", target " + target + "\n"));
    } else {
      cases.push_back(std::move(c));
    }
  }
}

// The safety checks on the reconciliation, in the order of reports/README.md.
void safety_cases(const json::object& report, std::vector<Case>& cases) {
  const json::object& r = object(report, "reconciliation");
  auto max_of = [&](const char* objective) -> long long {
    const json::object* o = find_objective(report, objective);
    return o ? static_cast<long long>(number(*o, "target").value_or(0)) : 0;
  };
  struct CountCheck {
    const char* key;
    long long allowed;
    bool has_max;  // the scenario may allow some (`lost_payments_max`, `duplicated_payments_max`)
  };
  const std::array<CountCheck, 5> counts{{{"lost", max_of("lost_payments_max"), true},
                                          {"duplicated", max_of("duplicated_payments_max"), true},
                                          {"failed_but_applied", 0, false},
                                          {"unexpected", 0, false},
                                          {"corrupted", 0, false}}};
  std::vector<std::string> problems = strings(r, "invariant_problems");
  std::string problem_lines = lines(problems);
  auto missing = [&](const char* key) -> std::optional<Case> {
    if (r.empty()) return skipped(Case{key, "safety"}, "not measured: report.json has no reconciliation");
    if (!field(r, key)) return skipped(Case{key, "safety"}, std::string("not measured: reconciliation.") + key + " is missing from report.json");
    return std::nullopt;
  };
  for (const CountCheck& check : counts) {
    if (auto skip = missing(check.key)) {
      cases.push_back(std::move(*skip));
      continue;
    }
    long long count = integer(r, check.key);
    std::string target = (check.has_max ? "≤ " : "") + std::to_string(check.allowed);
    Case c{check.key, "safety"};
    c.system_out = "measured " + std::to_string(count) + ", target " + target + "\n";
    if (count > check.allowed) {
      std::string details = std::to_string(count) + " " + check.key;
      if (std::string_view(check.key) == "lost") {
        details += ", amount " + std::to_string(integer(r, "lost_amount")) + ", " + std::to_string(integer(r, "lost_after_t0")) +
                   " acknowledged after T0; RPO " + ms_text(r, "rpo_ms");
      }
      details += "\n" + id_lines(r, std::string(check.key) + "_ids", count);
      cases.push_back(failed(std::move(c), "measured " + std::to_string(count) + " vs target " + target, "safety", details));
    } else {
      cases.push_back(std::move(c));
    }
  }
  auto flag_check = [&](const char* key) {
    if (auto skip = missing(key)) {
      cases.push_back(std::move(*skip));
    } else {
      Case c{key, "safety"};
      std::string measured = measured_text(field(r, key), "");
      c.system_out = "measured " + measured + ", target true\n";
      if (flag(r, key).value_or(false)) cases.push_back(std::move(c));
      else cases.push_back(failed(std::move(c), "measured " + measured + " vs target true", "safety", problem_lines));
    }
  };
  flag_check("money_conserved");
  if (auto skip = missing("negative_balances")) {
    cases.push_back(std::move(*skip));
  } else {
    long long negative = integer(r, "negative_balances");
    Case c{"negative_balances", "safety"};
    c.system_out = "measured " + std::to_string(negative) + ", target 0\n";
    if (negative > 0) cases.push_back(failed(std::move(c), "measured " + std::to_string(negative) + " vs target 0", "safety", problem_lines));
    else cases.push_back(std::move(c));
  }
  flag_check("balances_match_replay");
  flag_check("replicas_agree");
}

// Per fault: whether it was detected / recovered, failing exactly when the scorer counts it
// (the fault's detect_within / recover_within objective missed; not recovered, even without an
// RTO). The measurements go to <system-out> either way.
void fault_cases(const json::object& report, std::vector<Case>& cases) {
  for (const json::value& v : array(report, "faults")) {
    if (!v.is_object()) continue;
    const json::object& f = v.as_object();
    std::string prefix = "fault[" + std::to_string(integer(f, "index", -1)) + "] ";
    std::string what = prefix + text(f, "kind") + " on " + text(f, "node");
    auto objective = [&](const char* which) { return find_objective(report, prefix + which); };
    auto target_text = [&](const json::object* o) { return "≤ " + measured_text(o ? field(*o, "target") : nullptr, " ms"); };

    bool detected = flag(f, "detected").value_or(false);
    Case detection{what + ": detection", "faults"};
    detection.system_out = (detected ? "detected " + ms_text(f, "detection_ms") + " after T0 by " + text(f, "detected_by")
                                     : std::string("undetected")) +
                           "; T0 at " + ms_text(f, "t0_ms") + "; harness detection " + ms_text(f, "harness_detection_ms") +
                           ", system lag behind it " + ms_text(f, "detection_gap_ms") + "\n";
    const json::object* detect = objective("detect_within");
    if (detect && !flag(*detect, "pass").value_or(true)) {
      std::string measured = detected ? ms_text(f, "detection_ms") : "undetected";
      std::string details = what + ": " + (detected ? "detected late" : "undetected") + "\n" + detection.system_out;
      detection = failed(std::move(detection), "measured " + measured + " vs target " + target_text(detect), "objective",
                         std::move(details));
    }
    cases.push_back(std::move(detection));

    bool recovered = flag(f, "recovered").value_or(false);
    Case recovery{what + ": recovery", "faults"};
    recovery.system_out = (recovered ? "recovered " + ms_text(f, "recovery_ms") + " after T0 (detection " +
                                           ms_text(f, "detection_ms") + " + repair " + ms_text(f, "repair_ms") + ")"
                                     : std::string("not recovered")) +
                          "; impact at " + ms_text(f, "impact_ms") + (flag(f, "masked").value_or(false) ? " (masked)" : "") +
                          "; outage " + ms_text(f, "outage_ms") + "\n";
    const json::object* recover = objective("recover_within");
    bool missed = recover && !flag(*recover, "pass").value_or(true);
    if (!recovered || missed) {
      std::string measured = recovered ? ms_text(f, "recovery_ms") : "not recovered";
      std::string target = recover ? target_text(recover) : "recovered";
      std::string details = what + ": " + (recovered ? "recovered late" : "not recovered") + "\n" + recovery.system_out;
      recovery = failed(std::move(recovery), "measured " + measured + " vs target " + target, "objective", std::move(details));
    }
    cases.push_back(std::move(recovery));
  }
}

// ---- writing -------------------------------------------------------------------------------

std::string attr(const char* name, std::string_view value) {
  return std::string(" ") + name + "=\"" + xml_escape(value, true) + "\"";
}

void write_case(const Case& c, const std::string& scenario_class, std::string& out) {
  out += "    <testcase" + attr("name", c.name) + attr("classname", scenario_class + "." + c.group);
  bool body = c.outcome != Outcome::passed || !c.system_out.empty();
  if (!body) {
    out += "/>\n";
    return;
  }
  out += ">\n";
  if (c.outcome == Outcome::skipped) out += "      <skipped" + attr("message", c.message) + "/>\n";
  if (c.outcome == Outcome::failed || c.outcome == Outcome::error) {
    const char* element = c.outcome == Outcome::failed ? "failure" : "error";
    out += std::string("      <") + element + attr("message", c.message) + attr("type", c.type) + ">" +
           xml_escape(c.details, false) + "</" + element + ">\n";
  }
  if (!c.system_out.empty()) out += "      <system-out>" + xml_escape(c.system_out, false) + "</system-out>\n";
  out += "    </testcase>\n";
}

// Storage-loss drills: one case per restore action, failing as the scorer counts it (a damaged
// backup is a safety failure, any other failed restore an objective missed).
void restore_cases(const json::object& report, std::vector<Case>& cases) {
  for (const json::value& v : array(report, "restores")) {
    if (!v.is_object()) continue;
    const json::object& r = v.as_object();
    Case c{"fault[" + std::to_string(integer(r, "fault", -1)) + "] restore of " + text(r, "node"), "restore"};
    c.system_out = text(r, "action") + " took " + ms_text(r, "duration_ms") + "; restored to position " +
                   measured_text(field(r, "restored_position"), "") + " (" + measured_text(field(r, "restored_key"), "") +
                   ")\n";
    if (std::string damaged = text(r, "damaged_file"); !damaged.empty()) {
      cases.push_back(failed(std::move(c), "damaged backup: " + damaged, "safety",
                             "the restore verified the backup and refused it: " + damaged + "\n" + text(r, "error") + "\n"));
    } else if (!flag(r, "succeeded").value_or(false)) {
      cases.push_back(failed(std::move(c), "restore failed: " + text(r, "error"), "objective", text(r, "error") + "\n"));
    } else {
      cases.push_back(std::move(c));
    }
  }
}

}  // namespace

std::string junit_report(const json::object& report) {
  std::vector<Case> cases;
  if (auto error = run_error_case(report)) cases.push_back(std::move(*error));
  objective_cases(report, cases);
  safety_cases(report, cases);
  fault_cases(report, cases);
  restore_cases(report, cases);

  auto count = [&](Outcome o) {
    return std::to_string(std::count_if(cases.begin(), cases.end(), [&](const Case& c) { return c.outcome == o; }));
  };
  std::string counts = attr("tests", std::to_string(cases.size())) + attr("failures", count(Outcome::failed)) +
                       attr("errors", count(Outcome::error)) + attr("skipped", count(Outcome::skipped));
  const json::object& scenario = object(report, "scenario");
  std::string name = text(scenario, "name");
  // A dot would split the scenario between Jenkins' package and class.
  std::string scenario_class = name.empty() ? "unnamed" : name;
  std::replace(scenario_class.begin(), scenario_class.end(), '.', '_');

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites" + attr("name", "firedrill") + counts + ">\n";
  out += "  <testsuite" + attr("name", "firedrill: " + name) + counts + ">\n";
  out += "    <properties>\n";
  const json::value* seed = field(report, "seed");
  const std::array<std::pair<const char*, std::string>, 5> properties{{
      {"verdict", text(report, "verdict")},
      {"exit_code", std::to_string(integer(report, "exit_code", -1))},
      {"seed", seed ? scalar(*seed, 0) : "none"},
      {"scenario_digest", text(scenario, "digest")},
      {"schema", text(report, "schema")},
  }};
  for (const auto& [key, value] : properties) {
    out += "      <property" + attr("name", key) + attr("value", value) + "/>\n";
  }
  out += "    </properties>\n";
  for (const Case& c : cases) write_case(c, scenario_class, out);
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace firedrill
