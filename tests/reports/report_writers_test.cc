// Tests of the report writers for people and CI (reports/markdown_report.h, junit_report.h).
//
// Golden files: tests/data/runs/golden/ holds report.json from a real run of
// tests/data/scenarios/primary_kill_short.toml (a pass), and the exact report.md and junit.xml the
// writers must produce from it; failing.report.md and failing.junit.xml are the same for
// failing_report() below (the fixture edited to lose and duplicate payments, detect late and
// never recover a second fault). After an intended change to a writer, rewrite them with
//
//     FIREDRILL_UPDATE_GOLDEN=1 build/bin/report_writers_test
//
// and review the diff of tests/data/runs/golden/ like code.
//
// junit.xml is checked for well-formedness by the small XML reader below (no libxml2 on the
// build machines): balanced tags, quoted attributes, known entities only, one root; the tests
// then read its tree to check the counts and that escaped values read back as written.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <cctype>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "reports/junit_report.h"
#include "reports/markdown_report.h"
#include "testing/read_file.h"

namespace firedrill {
namespace {

namespace json = boost::json;

const std::string kGoldenDir = FIREDRILL_GOLDEN_DIR;

using testing::read_file;

json::object fixture() {
  json::value v = json::parse(read_file(kGoldenDir + "/report.json"));
  return v.as_object();
}

bool updating_golden() {
  const char* update = std::getenv("FIREDRILL_UPDATE_GOLDEN");
  return update && std::string_view(update) == "1";
}

// `actual` equals the golden file `name`, or (FIREDRILL_UPDATE_GOLDEN=1) becomes it.
void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = kGoldenDir + "/" + name;
  if (updating_golden()) {
    std::ofstream(path, std::ios::binary) << actual;
    std::cout << "rewrote " << path << "\n";
    return;
  }
  const std::string expected = read_file(path);
  if (expected == actual) return;
  // Name the first differing line: a whole-file diff in a test log is unreadable.
  std::istringstream a(actual), e(expected);
  std::string actual_line, expected_line;
  for (int line = 1;; ++line) {
    bool more_a = static_cast<bool>(std::getline(a, actual_line));
    bool more_e = static_cast<bool>(std::getline(e, expected_line));
    if (!more_a && !more_e) break;
    if (!more_a || !more_e || actual_line != expected_line) {
      ADD_FAILURE() << path << ":" << line << " differs (FIREDRILL_UPDATE_GOLDEN=1 rewrites it)\n  expected: "
                    << (more_e ? expected_line : "<end of file>") << "\n  actual:   "
                    << (more_a ? actual_line : "<end of file>");
      return;
    }
  }
  ADD_FAILURE() << path << " differs in line endings (FIREDRILL_UPDATE_GOLDEN=1 rewrites it)";
}

// ---- a minimal XML reader ------------------------------------------------------------------

struct Element {
  std::string name;
  std::map<std::string, std::string> attributes;  // values with references decoded
  std::vector<Element> children;
  std::string text;  // character data directly inside, decoded

  const Element* child(std::string_view n) const {
    for (const auto& c : children) {
      if (c.name == n) return &c;
    }
    return nullptr;
  }
  std::vector<const Element*> all(std::string_view n) const {
    std::vector<const Element*> out;
    for (const auto& c : children) {
      if (c.name == n) out.push_back(&c);
    }
    return out;
  }
};

// Reads a document of elements, attributes, character data and the XML declaration (enough for
// junit.xml; comments, CDATA and DTDs are refused). Fails with a message naming the offset.
class XmlReader {
 public:
  explicit XmlReader(std::string_view s) : s_(s) {}

  std::optional<Element> document(std::string& error) {
    try {
      if (s_.substr(0, 5) == "<?xml") {
        std::size_t end = s_.find("?>");
        if (end == std::string_view::npos) fail("unterminated XML declaration");
        i_ = end + 2;
      }
      skip_space();
      Element root = element();
      skip_space();
      if (i_ != s_.size()) fail("content after the root element");
      return root;
    } catch (const std::runtime_error& e) {
      error = e.what();
      return std::nullopt;
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("offset " + std::to_string(i_) + ": " + what);
  }
  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[i_]; }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }
  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\n' || peek() == '\t' || peek() == '\r')) ++i_;
  }
  std::string name() {
    std::size_t start = i_;
    while (!at_end() && (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '-' || peek() == '_' ||
                         peek() == ':' || peek() == '.')) {
      ++i_;
    }
    if (start == i_) fail("expected a name");
    return std::string(s_.substr(start, i_ - start));
  }
  // A reference after '&': one of the five entities or a character reference, appended as UTF-8.
  void reference(std::string& out) {
    std::size_t end = s_.find(';', i_);
    if (end == std::string_view::npos || end - i_ > 10) fail("unterminated reference");
    std::string_view ref = s_.substr(i_, end - i_);
    static const std::map<std::string_view, char> kEntities{
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    if (auto it = kEntities.find(ref); it != kEntities.end()) {
      out += it->second;
    } else if (ref.size() > 1 && ref[0] == '#') {
      unsigned long cp = ref[1] == 'x' ? std::stoul(std::string(ref.substr(2)), nullptr, 16)
                                       : std::stoul(std::string(ref.substr(1)), nullptr, 10);
      if (cp != 0x9 && cp != 0xA && cp != 0xD && cp < 0x20) fail("reference to a character XML forbids");
      if (cp >= 0x80) fail("test reader: only ASCII character references expected");
      out += static_cast<char>(cp);
    } else {
      fail("unknown entity &" + std::string(ref) + ";");
    }
    i_ = end + 1;
  }
  // Character data up to '<' (or the closing quote of an attribute value).
  std::string characters(char stop) {
    std::string out;
    while (!at_end() && peek() != stop) {
      char c = peek();
      if (c == '<') fail("'<' in character data");
      if (stop != '<' && c != ' ' && static_cast<unsigned char>(c) < 0x20) fail("raw control character in an attribute");
      if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') fail("control character");
      ++i_;
      if (c == '&') reference(out);
      else out += c;
    }
    return out;
  }
  Element element() {
    expect('<');
    Element e;
    e.name = name();
    for (;;) {
      skip_space();
      if (peek() == '/') {
        ++i_;
        expect('>');
        return e;
      }
      if (peek() == '>') {
        ++i_;
        break;
      }
      std::string attribute = name();
      expect('=');
      expect('"');  // the writer uses double quotes only
      std::string value = characters('"');
      expect('"');
      if (!e.attributes.emplace(attribute, value).second) fail("duplicate attribute " + attribute);
    }
    for (;;) {
      e.text += characters('<');
      if (at_end()) fail("unclosed <" + e.name + ">");
      if (s_.substr(i_, 2) == "</") {
        i_ += 2;
        if (name() != e.name) fail("mismatched end tag for <" + e.name + ">");
        skip_space();
        expect('>');
        return e;
      }
      if (s_.substr(i_, 2) == "<!" || s_.substr(i_, 2) == "<?") fail("comment, CDATA or PI not expected");
      e.children.push_back(element());
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

Element parse_xml(const std::string& text) {
  std::string error;
  std::optional<Element> root = XmlReader(text).document(error);
  EXPECT_TRUE(root.has_value()) << "junit.xml is not well-formed: " << error << "\n" << text;
  return root.value_or(Element{});
}

// The <testsuite> of a junit.xml, after checking the counts on it and on <testsuites>.
Element suite_of(const std::string& junit) {
  Element root = parse_xml(junit);
  EXPECT_EQ(root.name, "testsuites");
  EXPECT_EQ(root.all("testsuite").size(), 1u);
  const Element* suite = root.child("testsuite");
  if (!suite) return Element{};
  std::size_t failures = 0, errors = 0, skipped = 0;
  for (const Element* c : suite->all("testcase")) {
    failures += c->child("failure") ? 1 : 0;
    errors += c->child("error") ? 1 : 0;
    skipped += c->child("skipped") ? 1 : 0;
    EXPECT_TRUE(c->attributes.count("name") && c->attributes.count("classname"));
  }
  for (const Element* e : {static_cast<const Element*>(&root), suite}) {
    EXPECT_EQ(e->attributes.at("tests"), std::to_string(suite->all("testcase").size()));
    EXPECT_EQ(e->attributes.at("failures"), std::to_string(failures));
    EXPECT_EQ(e->attributes.at("errors"), std::to_string(errors));
    EXPECT_EQ(e->attributes.at("skipped"), std::to_string(skipped));
  }
  return *suite;
}

const Element* find_case(const Element& suite, std::string_view name) {
  for (const Element* c : suite.all("testcase")) {
    if (c->attributes.at("name") == name) return c;
  }
  return nullptr;
}

// ---- the failing report ----------------------------------------------------------------------

json::array ids(const char* prefix, int n) {
  json::array out;
  for (int i = 1; i <= n; ++i) out.push_back(json::value(prefix + std::to_string(i)));
  return out;
}

json::object* objective(json::object& report, std::string_view name) {
  for (auto& v : report["objectives"].as_array()) {
    if (v.as_object().at("name").as_string() == name) return &v.as_object();
  }
  return nullptr;
}

// The fixture as a drill that went wrong: 25 acknowledged payments lost and 2 duplicated, money
// not conserved, fault[0] detected late, and a second fault (a pause) never detected nor
// recovered — with the objectives, failures and verdict the scorer would give.
json::object failing_report() {
  json::object r = fixture();
  r["verdict"] = "safety_failure";
  r["exit_code"] = 2;
  json::object& rec = r["reconciliation"].as_object();
  rec["lost"] = 25;
  rec["lost_ids"] = ids("pay-lost-", 25);
  rec["lost_amount"] = 1234;
  rec["lost_after_t0"] = 3;
  rec["duplicated"] = 2;
  rec["duplicated_ids"] = ids("pay-dup-", 2);
  rec["money_conserved"] = false;
  rec["invariant_problems"] = json::array{"ledger-2: total 63999998766 != 64000000000"};
  rec["rpo_ms"] = 812.5;
  rec["loss_span_ms"] = 300.26;
  json::array& faults = r["faults"].as_array();
  faults[0].as_object()["detection_ms"] = 4200.5;
  json::object pause = faults[0].as_object();
  pause["index"] = 1;
  pause["kind"] = "process.pause";
  pause["target"] = "node:ledger-2";
  pause["node"] = "ledger-2";
  pause["detected"] = false;
  pause["detected_by"] = "";
  for (const char* key : {"detection_ms", "detection_gap_ms", "recovery_ms", "repair_ms", "outage_ms"}) pause[key] = nullptr;
  pause["recovered"] = false;
  faults.push_back(pause);
  objective(r, "fault[0] detect_within")->operator[]("measured") = 4200.5;
  objective(r, "fault[0] detect_within")->operator[]("pass") = false;
  json::array& objectives = r["objectives"].as_array();
  objectives.emplace(objectives.begin() + 2,
                     json::object{{"name", "fault[1] detect_within"}, {"target", 3000}, {"measured", nullptr}, {"pass", false}});
  objectives.emplace(objectives.begin() + 3,
                     json::object{{"name", "fault[1] recover_within"}, {"target", 10000}, {"measured", nullptr}, {"pass", false}});
  *objective(r, "lost_payments_max") = json::object{{"name", "lost_payments_max"}, {"target", 0}, {"measured", 25}, {"pass", false}};
  *objective(r, "duplicated_payments_max") =
      json::object{{"name", "duplicated_payments_max"}, {"target", 0}, {"measured", 2}, {"pass", false}};
  json::object& failures = r["failures"].as_object();
  failures["safety"] = json::array{"25 acknowledged payments lost (allowed 0)", "2 payments applied more than once (allowed 0)",
                                   "money not conserved"};
  failures["objectives"] = json::array{"fault[0] process.kill on ledger-1: detected in 4200.500000 ms, objective 3000 ms",
                                       "fault[1] process.pause on ledger-2: undetected (detect within 3000 ms)",
                                       "fault[1] process.pause on ledger-2: not recovered (recover within 10000 ms)"};
  return r;
}

// ---- golden files --------------------------------------------------------------------------

TEST(ReportWriters, PassingRunMatchesGoldenFiles) {
  json::object report = fixture();
  ASSERT_EQ(report.at("verdict").as_string(), "pass");
  expect_golden("report.md", markdown_report(report));
  expect_golden("junit.xml", junit_report(report));
}

TEST(ReportWriters, FailingRunMatchesGoldenFiles) {
  json::object report = failing_report();
  expect_golden("failing.report.md", markdown_report(report));
  expect_golden("failing.junit.xml", junit_report(report));
}

TEST(ReportWriters, SameReportSameBytes) {
  for (const json::object& report : {fixture(), failing_report()}) {
    EXPECT_EQ(markdown_report(report), markdown_report(json::object(report)));
    EXPECT_EQ(junit_report(report), junit_report(json::object(report)));
  }
}

// ---- Markdown ------------------------------------------------------------------------------

TEST(MarkdownReport, PassingRunLeadsWithTheVerdictAndTheHeadlineNumbers) {
  std::string md = markdown_report(fixture());
  EXPECT_EQ(md.rfind("### **PASS** · firedrill drill `primary-kill-short`", 0), 0u) << md;
  EXPECT_NE(md.find("Seed 7 · scenario digest `9b9beb9cb7f0` · exit code 0"), std::string::npos) << md;
  EXPECT_NE(md.find("#### Failing conditions\n\nNone."), std::string::npos);
  EXPECT_NE(md.find("| 0 | `process.kill` | `ledger-1` (`role:ledger-primary`) | 5428.1 ms | 1331.7 ms by alert "
                    "LedgerPrimaryDown; harness 613.8 ms | 2408.6 ms | 2400 ms | detect ≤ 3000 ms: met; recover ≤ 10000 ms: met |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| 1601 of 1601 invoked | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 ms |"), std::string::npos) << md;
  EXPECT_EQ(md.find("Lost payments"), std::string::npos);
  // Short enough for a pull-request comment.
  EXPECT_LT(md.size(), 4000u);
}

TEST(MarkdownReport, FailingRunListsEveryConditionAndTheIds) {
  std::string md = markdown_report(failing_report());
  EXPECT_EQ(md.rfind("### **SAFETY FAILURE**", 0), 0u) << md;
  for (const char* line : {"- safety: 25 acknowledged payments lost (allowed 0)\n",
                           "- safety: 2 payments applied more than once (allowed 0)\n", "- safety: money not conserved\n",
                           "- objectives: fault\\[0\\] process.kill on ledger-1: detected in 4200.500000 ms, objective 3000 ms\n",
                           "- objectives: fault\\[1\\] process.pause on ledger-2: undetected (detect within 3000 ms)\n",
                           "- objectives: fault\\[1\\] process.pause on ledger-2: not recovered (recover within 10000 ms)\n"}) {
    EXPECT_NE(md.find(line), std::string::npos) << line << "\n" << md;
  }
  EXPECT_NE(md.find("| **25** (amount 1234; 3 acknowledged after T0) | **2** |"), std::string::npos) << md;
  EXPECT_NE(md.find("812.5 ms (span 300.3 ms)"), std::string::npos) << md;
  EXPECT_NE(md.find("detect ≤ 3000 ms: **missed**"), std::string::npos);
  EXPECT_NE(md.find("| 1 | `process.pause` | `ledger-2` (`node:ledger-2`) |"), std::string::npos) << md;
  EXPECT_NE(md.find("**undetected**"), std::string::npos);
  EXPECT_NE(md.find("**not recovered**"), std::string::npos);
  EXPECT_NE(md.find("| `lost_payments_max` | ≤ 0 | 25 | **missed** |"), std::string::npos) << md;
  EXPECT_NE(md.find("- ledger-2: total 63999998766 != 64000000000\n"), std::string::npos) << md;
  // At most 20 ids, then how many more.
  EXPECT_NE(md.find("#### Lost payments (25)\n\n`pay-lost-1`, `pay-lost-2`"), std::string::npos) << md;
  EXPECT_NE(md.find("`pay-lost-20`, … and 5 more\n"), std::string::npos) << md;
  EXPECT_EQ(md.find("`pay-lost-21`"), std::string::npos);
  EXPECT_NE(md.find("#### Duplicated payments (2)\n\n`pay-dup-1`, `pay-dup-2`\n"), std::string::npos) << md;
}

TEST(MarkdownReport, IdsTheReportTruncatedStillCount) {
  json::object r = failing_report();
  r["reconciliation"].as_object()["lost"] = 100'025;  // the scorer lists at most 100 000 ids
  std::string md = markdown_report(r);
  EXPECT_NE(md.find("`pay-lost-20`, … and 100005 more\n"), std::string::npos) << md;
}

// Names and texts from the report cannot break the table, start HTML or inject a link.
TEST(MarkdownReport, EscapesEverythingFromTheReport) {
  json::object r = failing_report();
  r["scenario"].as_object()["name"] = "evil`|name";
  r["scenario"].as_object()["description"] = "<script>alert(1)</script>\n# heading [link](http://x) *bold*";
  r["faults"].as_array()[0].as_object()["node"] = "node|with`ticks";
  r["faults"].as_array()[0].as_object()["detected_by"] = "log /a|b/";
  r["failures"].as_object()["safety"] = json::array{"- <img src=x onerror=y> & more"};
  std::string md = markdown_report(r);
  // No '<' from the report reaches the Markdown unescaped (the footer's <sub> is ours).
  for (std::size_t at = md.find('<'); at != std::string::npos; at = md.find('<', at + 1)) {
    EXPECT_TRUE(md[at - 1] == '\\' || md.compare(at, 5, "<sub>") == 0 || md.compare(at, 6, "</sub>") == 0)
        << md.substr(at, 20);
  }
  EXPECT_NE(md.find("> \\<script\\>alert(1)\\</script\\> \\# heading \\[link\\](http://x) \\*bold\\*\n"), std::string::npos) << md;
  EXPECT_NE(md.find("firedrill drill ``evil`|name``"), std::string::npos) << md;
  EXPECT_NE(md.find("- safety: \\- \\<img src=x onerror=y\\> \\& more\n"), std::string::npos) << md;
  // Every row of the faults table has as many unescaped '|' as its header.
  std::istringstream lines(md);
  std::string line;
  bool in_faults = false;
  std::optional<int> columns;
  while (std::getline(lines, line)) {
    if (line.rfind("#### ", 0) == 0) in_faults = line == "#### Faults";
    if (!in_faults || line.empty() || line[0] != '|') continue;
    int pipes = 0;
    for (std::size_t i = 0; i < line.size(); ++i) pipes += line[i] == '|' && (i == 0 || line[i - 1] != '\\') ? 1 : 0;
    if (!columns) columns = pipes;
    EXPECT_EQ(pipes, *columns) << line;
  }
  EXPECT_EQ(columns, 9);
}

// ---- JUnit ---------------------------------------------------------------------------------

TEST(JunitReport, PassingRunHasOneCasePerObjectiveAndCheckAllPassing) {
  std::string xml = junit_report(fixture());
  Element suite = suite_of(xml);
  EXPECT_EQ(suite.attributes.at("name"), "firedrill: primary-kill-short");
  std::vector<std::string> names;
  for (const Element* c : suite.all("testcase")) names.push_back(c->attributes.at("name"));
  const std::vector<std::string> expected{"fault[0] detect_within", "fault[0] recover_within", "lost_payments_max",
                                          "duplicated_payments_max", "lost", "duplicated", "failed_but_applied",
                                          "unexpected", "corrupted", "money_conserved", "negative_balances",
                                          "balances_match_replay", "replicas_agree",
                                          "fault[0] process.kill on ledger-1: detection",
                                          "fault[0] process.kill on ledger-1: recovery"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(suite.attributes.at("failures"), "0");
  EXPECT_EQ(suite.attributes.at("errors"), "0");
  EXPECT_EQ(find_case(suite, "lost")->attributes.at("classname"), "primary-kill-short.safety");
  std::map<std::string, std::string> properties;
  for (const Element* p : suite.child("properties")->all("property")) properties[p->attributes.at("name")] = p->attributes.at("value");
  EXPECT_EQ(properties["verdict"], "pass");
  EXPECT_EQ(properties["seed"], "7");
}

TEST(JunitReport, FailingCasesSayMeasuredVersusTarget) {
  std::string xml = junit_report(failing_report());
  Element suite = suite_of(xml);
  auto failure_message = [&](std::string_view name) -> std::string {
    const Element* c = find_case(suite, name);
    if (!c) return "<no case " + std::string(name) + ">";
    const Element* f = c->child("failure");
    return f ? f->attributes.at("message") : "<passed>";
  };
  const std::pair<std::string_view, std::string_view> expected_messages[] = {
      {"fault[0] detect_within", "measured 4200.5 ms vs target ≤ 3000 ms"},
      {"fault[0] recover_within", "<passed>"},
      {"fault[1] detect_within", "measured none vs target ≤ 3000 ms"},
      {"lost_payments_max", "measured 25 vs target ≤ 0"},
      {"lost", "measured 25 vs target ≤ 0"},
      {"duplicated", "measured 2 vs target ≤ 0"},
      {"failed_but_applied", "<passed>"},
      {"money_conserved", "measured false vs target true"},
      {"fault[0] process.kill on ledger-1: detection", "measured 4200.5 ms vs target ≤ 3000 ms"},
      {"fault[0] process.kill on ledger-1: recovery", "<passed>"},
      {"fault[1] process.pause on ledger-2: detection", "measured undetected vs target ≤ 3000 ms"},
      {"fault[1] process.pause on ledger-2: recovery", "measured not recovered vs target ≤ 10000 ms"},
  };
  for (const auto& [name, message] : expected_messages) EXPECT_EQ(failure_message(name), message) << name;
  EXPECT_EQ(suite.attributes.at("failures"), "11");
  EXPECT_EQ(suite.attributes.at("errors"), "0");
  // The details list at most 20 ids, then how many more.
  const std::string& lost = find_case(suite, "lost")->child("failure")->text;
  EXPECT_NE(lost.find("25 lost, amount 1234, 3 acknowledged after T0; RPO 812.5 ms\npay-lost-1\n"), std::string::npos) << lost;
  EXPECT_NE(lost.find("pay-lost-20\n… and 5 more\n"), std::string::npos) << lost;
  EXPECT_EQ(lost.find("pay-lost-21"), std::string::npos);
  EXPECT_NE(find_case(suite, "money_conserved")->child("failure")->text.find("ledger-2: total 63999998766 != 64000000000"),
            std::string::npos);
}

// Without an RTO, a fault that never recovered still fails (DESIGN.md §6); undetected without a
// detection objective does not, as in the verdict.
TEST(JunitReport, FaultCasesFailAsTheVerdictCountsThem) {
  json::object r = failing_report();
  json::array kept;
  for (const auto& o : r["objectives"].as_array()) {
    if (o.as_object().at("name").as_string().find("fault[1]") == std::string::npos) kept.push_back(o);
  }
  r["objectives"] = kept;
  Element suite = suite_of(junit_report(r));
  const Element* detection = find_case(suite, "fault[1] process.pause on ledger-2: detection");
  ASSERT_NE(detection, nullptr);
  EXPECT_EQ(detection->child("failure"), nullptr);
  EXPECT_NE(detection->child("system-out")->text.find("undetected"), std::string::npos);
  const Element* recovery = find_case(suite, "fault[1] process.pause on ledger-2: recovery");
  ASSERT_NE(recovery, nullptr);
  ASSERT_NE(recovery->child("failure"), nullptr);
  EXPECT_EQ(recovery->child("failure")->attributes.at("message"), "measured not recovered vs target recovered");
}

// The scorer's report when a checker threw: verdict and failures only.
TEST(ReportWriters, InconclusiveReportWithoutMeasurements) {
  json::object r{{"schema", "firedrill.report/v1"},
                 {"verdict", "inconclusive"},
                 {"exit_code", 3},
                 {"failures", json::object{{"inconclusive", json::array{"checker error: boom", "run.json: missing"}},
                                           {"aborted", json::array{}},
                                           {"safety", json::array{}},
                                           {"objectives", json::array{}}}}};
  std::string md = markdown_report(r);
  EXPECT_EQ(md.rfind("### **INCONCLUSIVE**", 0), 0u) << md;
  EXPECT_NE(md.find("- inconclusive: checker error: boom\n- inconclusive: run.json: missing\n"), std::string::npos) << md;
  EXPECT_NE(md.find("No fault was applied."), std::string::npos);
  EXPECT_NE(md.find("Not reconciled"), std::string::npos);

  Element suite = suite_of(junit_report(r));
  const Element* verdict = find_case(suite, "verdict");
  ASSERT_NE(verdict, nullptr);
  ASSERT_NE(verdict->child("error"), nullptr);
  EXPECT_EQ(verdict->child("error")->attributes.at("message"), "inconclusive: 2 reasons");
  EXPECT_EQ(verdict->child("error")->attributes.at("type"), "inconclusive");
  EXPECT_EQ(verdict->child("error")->text, "inconclusive: checker error: boom\ninconclusive: run.json: missing\n");
  EXPECT_EQ(suite.attributes.at("errors"), "1");
  // Nine safety checks with nothing to check are skipped, never passed.
  EXPECT_EQ(suite.attributes.at("skipped"), "9");
  EXPECT_EQ(suite.attributes.at("tests"), "10");
}

TEST(ReportWriters, AbortedRunAddsAnError) {
  json::object r = fixture();
  r["verdict"] = "aborted";
  r["exit_code"] = 4;
  r["failures"].as_object()["aborted"] = json::array{"aborted: SIGINT"};
  EXPECT_EQ(markdown_report(r).rfind("### **ABORTED**", 0), 0u);
  Element suite = suite_of(junit_report(r));
  const Element* verdict = find_case(suite, "verdict");
  ASSERT_NE(verdict, nullptr);
  EXPECT_EQ(verdict->child("error")->attributes.at("message"), "aborted: 1 reason");
  EXPECT_EQ(verdict->child("error")->text, "aborted: aborted: SIGINT\n");
}

// Anything that is not a known verdict must never read as a pass.
TEST(ReportWriters, ReportOfAnotherShapeIsNeverAPass) {
  for (const json::object& r : {json::object{}, json::object{{"verdict", 5}, {"faults", "x"}, {"objectives", json::array{1, "a"}}},
                                json::object{{"verdict", "passed"}, {"reconciliation", json::object{{"lost", "many"}}}}}) {
    std::string md = markdown_report(r);
    EXPECT_EQ(md.find("**PASS**"), std::string::npos) << md;
    EXPECT_NE(md.find("UNKNOWN VERDICT"), std::string::npos) << md;
    Element suite = suite_of(junit_report(r));
    EXPECT_EQ(suite.attributes.at("errors"), "1");
  }
}

TEST(JunitReport, EscapesEverythingFromTheReport) {
  json::object r = failing_report();
  const std::string name = "a<b>&\"c'd\te\nf";
  r["scenario"].as_object()["name"] = name;
  json::array& lost = r["reconciliation"].as_object()["lost_ids"].as_array();
  lost[0] = "</failure><x>&amp;";
  lost[1] = std::string("ctl\x01" "bad\xff" "end");  // a forbidden character and a byte that is not UTF-8
  std::string xml = junit_report(r);
  Element suite = suite_of(xml);
  EXPECT_EQ(suite.attributes.at("name"), "firedrill: " + name);
  const std::string& details = find_case(suite, "lost")->child("failure")->text;
  EXPECT_NE(details.find("</failure><x>&amp;\n"), std::string::npos) << details;
  EXPECT_NE(details.find("ctl\xEF\xBF\xBD" "bad\xEF\xBF\xBD" "end\n"), std::string::npos) << details;
}

// ---- restores (storage-loss drills) -----------------------------------------------------------

// The golden report plus one good and one refused restore, as the scorer writes them.
json::object report_with_restores() {
  json::object r = fixture();
  r["restores"] = json::array{
      json::object{{"fault", 0}, {"node", "ledger-1"}, {"action", "restore"}, {"started_ms", 15000.0}, {"ended_ms", 15020.0},
                   {"duration_ms", 20.0}, {"succeeded", true}, {"error", ""}, {"restored_position", 1752},
                   {"restored_key", "k-1751"}, {"restored_point_ms", 12100.0}, {"damaged_file", nullptr}},
      json::object{{"fault", 0}, {"node", "ledger-3"}, {"action", "restore"}, {"started_ms", 15001.0}, {"ended_ms", 15009.0},
                   {"duration_ms", 8.0}, {"succeeded", false}, {"error", "exit status 65"}, {"restored_position", nullptr},
                   {"restored_key", nullptr}, {"restored_point_ms", nullptr},
                   {"damaged_file", "backup-store/ledger-3/full-000000001721.sqlite"}}};
  r["restore"] = json::object{
      {"restores", 2}, {"failed", 1}, {"duration_ms", 20.0},
      {"restored_point", json::object{{"node", "ledger-1"}, {"position", 1752}, {"key", "k-1751"},
                                      {"committed_at_ms", 1796316525709}, {"acknowledged_ms", 12100.0}}},
      {"rpo_ms", 329.3}, {"lost", 48}, {"lost_ids", json::array{"k-1752"}}, {"lost_amount", 2400},
      {"backup_integrity", false}, {"damaged_files", json::array{"backup-store/ledger-3/full-000000001721.sqlite"}}};
  return r;
}

TEST(MarkdownReport, RestoreSectionGivesTheRestoredPointRpoAndTheDamagedBackup) {
  std::string md = markdown_report(report_with_restores());
  EXPECT_NE(md.find("#### Restore"), std::string::npos) << md;
  EXPECT_NE(md.find("position 1752"), std::string::npos);
  EXPECT_NE(md.find("RPO against it: **329.3 ms**"), std::string::npos) << md;
  EXPECT_NE(md.find("damaged backup `backup-store/ledger-3/full-000000001721.sqlite`"), std::string::npos) << md;
  EXPECT_EQ(markdown_report(fixture()).find("#### Restore"), std::string::npos) << "no restore, no section";
}

TEST(JunitReport, ARefusedBackupFailsItsRestoreCaseAsSafety) {
  Element suite = suite_of(junit_report(report_with_restores()));
  const Element* good = find_case(suite, "fault[0] restore of ledger-1");
  ASSERT_NE(good, nullptr);
  EXPECT_EQ(good->child("failure"), nullptr);
  const Element* refused = find_case(suite, "fault[0] restore of ledger-3");
  ASSERT_NE(refused, nullptr);
  ASSERT_NE(refused->child("failure"), nullptr);
  EXPECT_EQ(refused->child("failure")->attributes.at("type"), "safety");
  EXPECT_EQ(refused->child("failure")->attributes.at("message"),
            "damaged backup: backup-store/ledger-3/full-000000001721.sqlite");
}

}  // namespace
}  // namespace firedrill
