// Metric names in PromQL; see promql_metrics.h.
#include "monitoring/promql_metrics.h"

#include <cctype>
#include <regex>

namespace firedrill {
namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool name_char(char c) { return name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

bool keyword(const std::string& word) {
  static const std::set<std::string> kKeywords = {
      "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
      "inf", "nan", "atan2", "sum", "avg", "count", "min", "max", "stddev", "stdvar", "topk", "bottomk",
      "quantile", "count_values", "group", "start", "end"};
  std::string lower;
  for (char c : word) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return kKeywords.count(lower) > 0;
}

// The index just past the bracket that closes the one at `open` (`open` holds '(', '{' or '['),
// skipping strings inside.
size_t past_closing(std::string_view s, size_t open) {
  const char opening = s[open];
  const char closing = opening == '(' ? ')' : opening == '{' ? '}' : ']';
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"' || c == '\'' || c == '`') {
      for (++i; i < s.size() && s[i] != c; ++i) {
        if (s[i] == '\\' && c != '`') ++i;
      }
    } else if (c == opening) {
      ++depth;
    } else if (c == closing && --depth == 0) {
      return i + 1;
    }
  }
  return s.size();
}

size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

}  // namespace

std::set<std::string> metric_names_in(std::string_view s) {
  static const std::regex kNameMatcher(R"re(__name__\s*=\s*["']([a-zA-Z_:][a-zA-Z0-9_:]*)["'])re");
  std::set<std::string> names;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"' || c == '\'' || c == '`') {
      for (++i; i < s.size() && s[i] != c; ++i) {
        if (s[i] == '\\' && c != '`') ++i;
      }
      ++i;
    } else if (c == '{') {
      const size_t end = past_closing(s, i);
      const std::string matchers(s.substr(i, end - i));
      std::smatch m;
      if (std::regex_search(matchers, m, kNameMatcher)) names.insert(m[1].str());
      i = end;
    } else if (c == '[') {
      i = past_closing(s, i);
    } else if (c == '#') {  // a comment, to the end of the line
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      while (i < s.size() && (name_char(s[i]) || s[i] == '.')) ++i;  // 1e3, 0x1f, 5m, 1.5
    } else if (name_start(c)) {
      size_t end = i;
      while (end < s.size() && name_char(s[end])) ++end;
      const std::string word(s.substr(i, end - i));
      const size_t next = skip_space(s, end);
      const bool label_list = word == "by" || word == "without" || word == "on" || word == "ignoring" ||
                              word == "group_left" || word == "group_right";
      if (label_list && next < s.size() && s[next] == '(') {
        i = past_closing(s, next);
        continue;
      }
      if (!keyword(word) && !(next < s.size() && s[next] == '(')) names.insert(word);
      i = end;
    } else {
      ++i;
    }
  }
  return names;
}

bool prometheus_own_metric(const std::string& name) {
  return name == "up" || name == "ALERTS" || name == "ALERTS_FOR_STATE" || name.rfind("scrape_", 0) == 0;
}

}  // namespace firedrill
