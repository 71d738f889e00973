// Baseline comparison of two reports; see compare.h.
#include "reports/compare.h"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "reports/report_values.h"

namespace firedrill {
namespace {

namespace json = boost::json;
namespace rv = report_values;

constexpr std::string_view kSchema = "firedrill.report/v1";
constexpr int kDecimals = 3;  // reports carry ms to the µs
constexpr std::size_t kIdsShown = 5;

// The counts a candidate may never have more of than its base.
constexpr std::string_view kSafetyCounts[] = {"lost",       "duplicated", "failed_but_applied",
                                              "unexpected", "corrupted",  "negative_balances"};
// The invariants a candidate may never break where the base held them.
constexpr std::string_view kInvariants[] = {"money_conserved", "replicas_agree", "balances_match_replay"};

constexpr std::string_view kMarkSafety = "<< SAFETY";
constexpr std::string_view kMarkRegression = "<< REGRESSION";
constexpr std::string_view kMarkDiffers = "<< DIFFERS";
constexpr std::string_view kMarkImproved = "improved";

std::string num(double v) { return rv::format_number(v, kDecimals); }

std::string signed_num(double v) {
  std::string s = num(v);
  return s == "0" || s.front() == '-' ? s : "+" + s;
}

// "+1000 (+50 %)"; the percentage only when the base is not zero.
std::string delta_text(double base, double candidate) {
  std::string out = signed_num(candidate - base);
  if (base != 0 && out != "0") {
    std::string pct = rv::format_number((candidate - base) / std::fabs(base) * 100.0, 1);
    if (pct != "0") out += " (" + (pct.front() == '-' ? pct : "+" + pct) + " %)";  // no "+0 %"
  }
  return out;
}

std::string bool_text(bool b) { return b ? "true" : "false"; }

std::string tolerance_text(const Tolerance& t) {
  return rv::format_number(t.percent, 2) + " % and " + rv::format_number(t.floor_ms, kDecimals) + " ms";
}

enum class Change { same, regression, improvement };

// Beyond the tolerance only when both the relative and the absolute bound are exceeded.
Change judge(double base, double candidate, const Tolerance& t) {
  if (candidate > base * (1 + t.percent / 100) && candidate - base > t.floor_ms) return Change::regression;
  if (candidate < base * (1 - t.percent / 100) && base - candidate > t.floor_ms) return Change::improvement;
  return Change::same;
}

struct Row {
  std::string metric, base, candidate, delta, mark;
};

std::string render(const std::vector<Row>& rows) {
  std::vector<Row> all;
  all.push_back({"metric", "base", "candidate", "delta", "mark"});
  all.insert(all.end(), rows.begin(), rows.end());
  std::size_t w[4] = {0, 0, 0, 0};
  for (const Row& r : all) {
    w[0] = std::max(w[0], r.metric.size());
    w[1] = std::max(w[1], r.base.size());
    w[2] = std::max(w[2], r.candidate.size());
    w[3] = std::max(w[3], r.delta.size());
  }
  auto pad = [](const std::string& s, std::size_t width) { return s + std::string(width - s.size(), ' '); };
  auto line = [&](const Row& r) {
    std::string out = pad(r.metric, w[0]) + "  " + pad(r.base, w[1]) + "  " + pad(r.candidate, w[2]) + "  " +
                      pad(r.delta, w[3]) + "  " + r.mark;
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(all.front());
  out += line({std::string(w[0], '-'), std::string(w[1], '-'), std::string(w[2], '-'), std::string(w[3], '-'),
               std::string(4, '-')});
  for (std::size_t i = 1; i < all.size(); ++i) out += line(all[i]);
  return out;
}

// What makes a report unusable as either side of a comparison; empty when it is readable.
std::vector<std::string> unreadable(const json::object& r, const std::string& who) {
  std::vector<std::string> out;
  auto bad = [&](const std::string& why) { out.push_back("cannot compare: " + who + " report: " + why); };
  if (r.empty()) {
    bad("empty or not a JSON object");
    return out;
  }
  if (std::string schema = rv::text(r, "schema"); schema != kSchema) {
    bad(schema.empty() ? "no schema" : "schema \"" + schema + "\", not " + std::string(kSchema));
  }
  static const std::set<std::string> verdicts = {"pass", "objectives_missed", "safety_failure", "inconclusive",
                                                 "aborted"};
  if (!verdicts.count(rv::text(r, "verdict"))) bad("unknown verdict \"" + rv::text(r, "verdict") + "\"");
  if (rv::text(rv::object(r, "scenario"), "digest").empty()) bad("no scenario digest");

  const json::value* faults = rv::field(r, "faults");
  if (!faults || !faults->is_array()) {
    bad("no faults list");
  } else {
    std::set<long long> seen;
    for (std::size_t i = 0; i < faults->as_array().size(); ++i) {
      const json::value& fv = faults->as_array()[i];
      const std::string at = "faults[" + std::to_string(i) + "]";
      if (!fv.is_object()) {
        bad(at + " is not an object");
        continue;
      }
      const json::object& f = fv.as_object();
      if (!rv::number(f, "index")) bad(at + ": no index");
      else if (!seen.insert(rv::integer(f, "index", -1)).second) bad(at + ": index repeated");
      if (rv::text(f, "kind").empty()) bad(at + ": no kind");
      for (const char* key : {"detected", "recovered"}) {
        if (!rv::flag(f, key)) bad(at + ": " + key + " missing or not a boolean");
      }
      // null means "did not happen"; a detected / recovered fault must carry its time.
      for (auto [flag_key, ms_key] : {std::pair{"detected", "detection_ms"}, std::pair{"recovered", "recovery_ms"}}) {
        const json::value* v = rv::field(f, ms_key);
        if (!v || !(v->is_number() || v->is_null())) bad(at + ": " + ms_key + " missing or not a number");
        else if (rv::flag(f, flag_key).value_or(false) && !v->is_number()) bad(at + ": " + flag_key + " without " + ms_key);
        else if (v->is_number() && !std::isfinite(v->to_number<double>())) bad(at + ": " + ms_key + " not finite");
      }
    }
  }

  const json::value* rec = rv::field(r, "reconciliation");
  if (!rec || !rec->is_object()) {
    bad("no reconciliation");
  } else {
    for (std::string_view key : kSafetyCounts) {
      auto v = rv::number(rec->as_object(), key);
      if (!v || !std::isfinite(*v)) bad("reconciliation." + std::string(key) + " missing or not a number");
    }
    for (std::string_view key : kInvariants) {
      if (!rv::flag(rec->as_object(), key)) bad("reconciliation." + std::string(key) + " missing or not a boolean");
    }
  }
  return out;
}

// The first few failing conditions of a report, for saying why it is inconclusive / aborted.
std::string reasons(const json::object& r, std::string_view group) {
  std::vector<std::string> list = rv::strings(rv::object(r, "failures"), group);
  if (list.empty()) return "";
  std::string out = ": ";
  for (std::size_t i = 0; i < list.size() && i < 3; ++i) out += (i ? "; " : "") + list[i];
  if (list.size() > 3) out += "; ... (" + std::to_string(list.size()) + " in all)";
  return out;
}

// " (lost_ids: a, b, ...)" from the candidate's reconciliation, when it lists any.
std::string ids_text(const json::object& rec, std::string_view count_key) {
  std::vector<std::string> ids = rv::strings(rec, std::string(count_key) + "_ids");
  if (ids.empty()) return "";
  std::string out = " (" + std::string(count_key) + "_ids: ";
  for (std::size_t i = 0; i < ids.size() && i < kIdsShown; ++i) out += (i ? ", " : "") + ids[i];
  if (ids.size() > kIdsShown) out += ", ...";
  return out + ")";
}

std::string problems_text(const json::object& rec) {
  std::vector<std::string> list = rv::strings(rec, "invariant_problems");
  if (list.empty()) return "";
  std::string out = " (";
  for (std::size_t i = 0; i < list.size() && i < 3; ++i) out += (i ? "; " : "") + list[i];
  if (list.size() > 3) out += "; ...";
  return out + ")";
}

std::string optional_num(const json::object& o, std::string_view key, const std::string& none) {
  auto v = rv::number(o, key);
  return v ? num(*v) : none;
}

// The rows naming both runs: scenario, digest, seed, verdict.
void header_rows(const json::object& base, const json::object& cand, std::vector<Row>& rows) {
  const json::object& bs = rv::object(base, "scenario");
  const json::object& cs = rv::object(cand, "scenario");
  auto short_digest = [](const std::string& d) { return d.size() > 16 ? d.substr(0, 16) : d; };
  auto seed = [](const json::object& r) {
    const json::value* v = rv::field(r, "seed");
    return v ? rv::scalar(*v, kDecimals) : std::string("none");
  };
  auto differs = [](const std::string& a, const std::string& b) { return a == b ? std::string() : std::string("differs"); };
  rows.push_back({"scenario", rv::text(bs, "name"), rv::text(cs, "name"), "", ""});
  std::string bd = rv::text(bs, "digest"), cd = rv::text(cs, "digest");
  rows.push_back({"digest", short_digest(bd), short_digest(cd), differs(bd, cd),
                  bd == cd ? "" : std::string(kMarkDiffers)});
  rows.push_back({"seed", seed(base), seed(cand), differs(seed(base), seed(cand)), ""});
  std::string bv = rv::text(base, "verdict"), cv = rv::text(cand, "verdict");
  rows.push_back({"verdict", bv, cv, bv == cv ? "" : "changed", ""});
}

class Comparer {
 public:
  Comparer(const json::object& base, const json::object& cand, const Tolerance& t) : base_(base), cand_(cand), tol_(t) {}

  Comparison run() {
    if (!std::isfinite(tol_.percent) || !std::isfinite(tol_.floor_ms) || tol_.percent < 0 || tol_.floor_ms < 0) {
      cannot_.push_back("cannot compare: tolerance must be finite and not negative (got " +
                        rv::format_number(tol_.percent, 6) + " % and " + rv::format_number(tol_.floor_ms, 6) + " ms)");
    }
    for (auto& f : unreadable(base_, "base")) cannot_.push_back(std::move(f));
    for (auto& f : unreadable(cand_, "candidate")) cannot_.push_back(std::move(f));
    header_rows(base_, cand_, rows_);
    if (!cannot_.empty()) return finish();

    std::string bd = rv::text(rv::object(base_, "scenario"), "digest");
    std::string cd = rv::text(rv::object(cand_, "scenario"), "digest");
    if (bd != cd) {
      cannot_.push_back("cannot compare: different scenarios (base " + rv::text(rv::object(base_, "scenario"), "name") +
                        " digest " + bd + ", candidate " + rv::text(rv::object(cand_, "scenario"), "name") + " digest " +
                        cd + "): a baseline only gates runs of the same scenario file");
      return finish();
    }

    for (auto [report, who] : {std::pair{&base_, "base"}, std::pair{&cand_, "candidate"}}) {
      std::string verdict = rv::text(*report, "verdict");
      if (verdict == "inconclusive" || verdict == "aborted") {
        cannot_.push_back(std::string("cannot compare: ") + who + " verdict is " + verdict + reasons(*report, verdict));
      }
    }

    compare_faults();
    compare_reconciliation();
    compare_availability();
    return finish();
  }

 private:
  void compare_faults() {
    std::map<long long, const json::object*> b, c;
    for (const json::value& v : rv::array(base_, "faults")) b[rv::integer(v.as_object(), "index")] = &v.as_object();
    for (const json::value& v : rv::array(cand_, "faults")) c[rv::integer(v.as_object(), "index")] = &v.as_object();
    std::set<long long> indices;
    for (const auto& [i, f] : b) indices.insert(i);
    for (const auto& [i, f] : c) indices.insert(i);
    for (long long i : indices) {
      const std::string name = "fault[" + std::to_string(i) + "]";
      auto bi = b.find(i);
      auto ci = c.find(i);
      std::string bk = bi == b.end() ? "" : rv::text(*bi->second, "kind");
      std::string ck = ci == c.end() ? "" : rv::text(*ci->second, "kind");
      if (bk != ck || bk.empty()) {
        if (bk.empty()) cannot_.push_back("cannot compare: fault lists differ: " + name + " " + ck + " only in the candidate");
        else if (ck.empty()) cannot_.push_back("cannot compare: fault lists differ: " + name + " " + bk + " only in the base");
        else cannot_.push_back("cannot compare: fault lists differ: " + name + " is " + bk + " in the base, " + ck + " in the candidate");
        rows_.push_back({name, bk.empty() ? "absent" : bk, ck.empty() ? "absent" : ck, "", std::string(kMarkDiffers)});
        continue;
      }
      const std::string label = name + " " + bk;
      timing(label, *bi->second, *ci->second, "detected", "detection_ms", "undetected");
      timing(label, *bi->second, *ci->second, "recovered", "recovery_ms", "not recovered");
      // outage_ms is shown, not gated.
      const json::object& bf = *bi->second;
      const json::object& cf = *ci->second;
      auto bo = rv::number(bf, "outage_ms"), co = rv::number(cf, "outage_ms");
      rows_.push_back({label + " outage_ms", optional_num(bf, "outage_ms", "none"), optional_num(cf, "outage_ms", "none"),
                       bo && co ? delta_text(*bo, *co) : "", ""});
    }
  }

  void timing(const std::string& label, const json::object& bf, const json::object& cf, const char* flag_key,
              const char* ms_key, const std::string& none) {
    const bool bh = rv::flag(bf, flag_key).value_or(false), ch = rv::flag(cf, flag_key).value_or(false);
    // Plain doubles with flags, not std::optional: GCC 12 -O2 reports a false
    // -Wmaybe-uninitialized on optionals here (an error in CI).
    double b = 0, c = 0;
    bool has_b = false, has_c = false;
    if (auto v = rv::number(bf, ms_key); bh && v) has_b = true, b = *v;
    if (auto v = rv::number(cf, ms_key); ch && v) has_c = true, c = *v;
    Row row{label + " " + ms_key, has_b ? num(b) : none, has_c ? num(c) : none, "", ""};
    if (has_b && has_c) {
      row.delta = delta_text(b, c);
      std::string what = label + " " + ms_key + " " + num(b) + " -> " + num(c) + " ms (" + row.delta + ")";
      switch (judge(b, c, tol_)) {
        case Change::regression:
          regressions_.push_back("regression: " + what + ", beyond the tolerance of " + tolerance_text(tol_));
          row.mark = kMarkRegression;
          break;
        case Change::improvement:
          improvements_.push_back("improvement: " + what);
          row.mark = kMarkImproved;
          break;
        case Change::same:
          break;
      }
    } else if (has_b && !has_c) {
      regressions_.push_back("regression: " + label + " " + none + " in the candidate (" + ms_key + " " + num(b) +
                             " in the base)");
      row.mark = kMarkRegression;
    } else if (!has_b && has_c) {
      improvements_.push_back("improvement: " + label + " " + none + " in the base, " + ms_key + " " + num(c) +
                              " in the candidate");
      row.mark = kMarkImproved;
    }
    rows_.push_back(std::move(row));
  }

  void compare_reconciliation() {
    const json::object& b = rv::object(base_, "reconciliation");
    const json::object& c = rv::object(cand_, "reconciliation");
    auto count_row = [&](std::string_view key, bool gated) {
      auto bv = rv::number(b, key), cv = rv::number(c, key);
      Row row{"reconciliation " + std::string(key), bv ? num(*bv) : "none", cv ? num(*cv) : "none",
              bv && cv ? signed_num(*cv - *bv) : "", ""};
      if (gated && bv && cv && *cv > *bv) {
        safety_.push_back("safety regression: " + std::string(key) + " " + num(*bv) + " -> " + num(*cv) + " (" +
                          signed_num(*cv - *bv) + ")" + ids_text(c, key));
        row.mark = kMarkSafety;
      } else if (gated && bv && cv && *cv < *bv) {
        improvements_.push_back("improvement: " + std::string(key) + " " + num(*bv) + " -> " + num(*cv));
        row.mark = kMarkImproved;
      }
      rows_.push_back(std::move(row));
    };
    count_row("invoked", false);
    count_row("acknowledged", false);
    for (std::string_view key : kSafetyCounts) {
      if (key == "negative_balances") continue;  // shown with the invariants
      count_row(key, true);
      if (key == "lost") count_row("lost_after_t0", false);
    }
    count_row("recovered", false);
    count_row("unknown_absent", false);
    count_row("negative_balances", true);
    for (std::string_view key : kInvariants) {
      const bool bv = *rv::flag(b, key), cv = *rv::flag(c, key);  // checked by unreadable()
      Row row{"reconciliation " + std::string(key), bool_text(bv), bool_text(cv), bv == cv ? "" : "changed", ""};
      if (bv && !cv) {
        safety_.push_back("safety regression: " + std::string(key) + " true -> false" + problems_text(c));
        row.mark = kMarkSafety;
      } else if (!bv && cv) {
        improvements_.push_back("improvement: " + std::string(key) + " false -> true");
        row.mark = kMarkImproved;
      }
      rows_.push_back(std::move(row));
    }
    auto brpo = rv::number(b, "rpo_ms"), crpo = rv::number(c, "rpo_ms");
    rows_.push_back({"reconciliation rpo_ms", optional_num(b, "rpo_ms", "none"), optional_num(c, "rpo_ms", "none"),
                     brpo && crpo ? signed_num(*crpo - *brpo) : "", ""});
  }

  // Shown, not gated.
  void compare_availability() {
    const json::object& b = rv::object(base_, "availability");
    const json::object& c = rv::object(cand_, "availability");
    for (const char* key : {"success_ratio", "fault_tolerance"}) {
      auto bv = rv::number(b, key), cv = rv::number(c, key);
      if (!bv && !cv) continue;
      std::string delta;
      if (bv && cv) {
        delta = rv::format_number((*cv - *bv) * 100.0, 2);
        if (delta != "0" && delta.front() != '-') delta = "+" + delta;
        delta += " pp";
      }
      rows_.push_back({std::string("availability ") + key, bv ? rv::format_percent(*bv) : "none",
                       cv ? rv::format_percent(*cv) : "none", delta, ""});
    }
  }

  Comparison finish() {
    Comparison out;
    out.exit_code = !cannot_.empty() ? 3 : !safety_.empty() ? 2 : !regressions_.empty() ? 1 : 0;
    for (auto* list : {&cannot_, &safety_, &regressions_}) {
      out.findings.insert(out.findings.end(), list->begin(), list->end());
    }
    if (out.exit_code == 0) {
      out.findings.push_back("no regression: the candidate is within " + tolerance_text(tol_) +
                             " of the base, with no safety regression");
    }
    out.findings.insert(out.findings.end(), improvements_.begin(), improvements_.end());
    out.table = render(rows_);
    return out;
  }

  const json::object& base_;
  const json::object& cand_;
  const Tolerance tol_;
  std::vector<Row> rows_;
  std::vector<std::string> cannot_, safety_, regressions_, improvements_;
};

}  // namespace

Comparison compare_reports(const json::object& base, const json::object& candidate, const Tolerance& tolerance) {
  return Comparer(base, candidate, tolerance).run();
}

}  // namespace firedrill
