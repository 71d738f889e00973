// Strict TOML configuration for the refpay programs; see config.h.
#include "common/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <sstream>

namespace refpay {
namespace {

std::string position(const std::string& source, const toml::node& node) {
  const auto& begin = node.source().begin;
  std::ostringstream out;
  out << source;
  if (begin.line > 0) out << ":" << begin.line << ":" << begin.column;
  return out.str();
}

// Splits "a.b.0.c" on dots.
std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(key);
  while (std::getline(in, part, '.')) parts.push_back(part);
  return parts;
}

bool is_index(const std::string& part) {
  return !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
}

// Applies one "a.b=value" override to `root`; the value is parsed as TOML, else kept as a string.
Status apply_override(toml::table& root, const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::error("--set '" + assignment + "': expected section.key=value");
  }
  std::string key = assignment.substr(0, eq);
  std::string text = assignment.substr(eq + 1);
  toml::node_view<toml::node> value;
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + text);
  } catch (const toml::parse_error&) {
    parsed = toml::table{{"v", text}};
  }
  std::vector<std::string> parts = split_key(key);
  toml::table* table = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    auto* next = (*table)[parts[i]].as_table();
    if (!next) {
      table->insert_or_assign(parts[i], toml::table{});
      next = (*table)[parts[i]].as_table();
    }
    table = next;
  }
  table->insert_or_assign(parts.back(), std::move(*parsed.get("v")));
  return Status::ok();
}

// Collects the dotted names of every leaf value in `node`.
void collect_leaves(const toml::node& node, const std::string& prefix,
                    std::vector<std::string>& out) {
  if (auto* table = node.as_table()) {
    if (table->empty() && !prefix.empty()) out.push_back(prefix);  // an empty unknown [table]
    for (auto&& [k, v] : *table) {
      collect_leaves(v, prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str()),
                     out);
    }
  } else if (auto* array = node.as_array(); array && array->is_array_of_tables()) {
    for (std::size_t i = 0; i < array->size(); ++i) {
      collect_leaves(*array->get(i), prefix + "." + std::to_string(i), out);
    }
  } else {
    out.push_back(prefix);
  }
}

}  // namespace

Config::Config() : root_(std::make_unique<toml::table>()) {}
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(Config&&) noexcept = default;
Config::~Config() = default;

Result<Config> Config::parse(const std::string& text, const std::string& source_name,
                             const std::vector<std::string>& overrides) {
  Config config;
  config.source_name_ = source_name;
  try {
    *config.root_ = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << source_name << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    return Status::error(out.str());
  }
  for (const auto& assignment : overrides) {
    if (Status s = apply_override(*config.root_, assignment); !s) return s;
  }
  return config;
}

Result<Config> Config::load(const std::string& path, const std::vector<std::string>& overrides) {
  std::string text;
  if (!path.empty()) {
    FILE* file = std::fopen(path.c_str(), "rb");
    if (!file) return Status::error("config " + path + ": cannot open");
    char buffer[4096];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
    std::fclose(file);
  }
  return parse(text, path.empty() ? "<flags>" : path, overrides);
}

const toml::node* Config::find(const std::string& key) const {
  const toml::node* node = root_.get();
  for (const auto& part : split_key(key)) {
    if (auto* table = node->as_table()) {
      node = table->get(part);
    } else if (auto* array = node->as_array(); array && is_index(part)) {
      node = array->get(std::stoul(part));
    } else {
      return nullptr;
    }
    if (!node) return nullptr;
  }
  return node;
}

std::string Config::where(const std::string& key) const {
  const toml::node* node = find(key);
  return node ? position(source_name_, *node) : source_name_;
}

Status Config::type_error(const std::string& key, const std::string& expected) const {
  return Status::error(where(key) + ": " + key + ": expected " + expected);
}

Result<std::string> Config::get_string(const std::string& key, const std::string& fallback) {
  read_keys_.insert(key);
  const toml::node* node = find(key);
  if (!node) return fallback;
  if (auto value = node->value<std::string>(); value && node->is_string()) return *value;
  return type_error(key, "a string");
}

Result<int64_t> Config::get_int(const std::string& key, int64_t fallback, int64_t min,
                                int64_t max) {
  read_keys_.insert(key);
  const toml::node* node = find(key);
  if (!node) return fallback;
  if (!node->is_integer()) return type_error(key, "an integer");
  int64_t value = *node->value<int64_t>();
  if (value < min || value > max) {
    return Status::error(where(key) + ": " + key + ": " + std::to_string(value) +
                         " is out of range [" + std::to_string(min) + ", " +
                         std::to_string(max) + "]");
  }
  return value;
}

Result<bool> Config::get_bool(const std::string& key, bool fallback) {
  read_keys_.insert(key);
  const toml::node* node = find(key);
  if (!node) return fallback;
  if (!node->is_boolean()) return type_error(key, "true or false");
  return *node->value<bool>();
}

Result<std::string> Config::get_choice(const std::string& key, const std::string& fallback,
                                       const std::vector<std::string>& choices) {
  auto value = get_string(key, fallback);
  if (!value) return value;
  if (std::find(choices.begin(), choices.end(), *value) != choices.end()) return value;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "\"" : ", \"") + c + "\"";
  return Status::error(where(key) + ": " + key + ": \"" + *value + "\" is not one of " + list);
}

Result<std::size_t> Config::get_array_size(const std::string& key) {
  const toml::node* node = find(key);
  if (!node) return std::size_t{0};
  auto* array = node->as_array();
  if (!array || !array->is_array_of_tables()) {
    return type_error(key, "an array of tables ([[" + key + "]])");
  }
  return array->size();
}

Status Config::check_all_read() const {
  std::vector<std::string> leaves;
  collect_leaves(*root_, "", leaves);
  for (const auto& leaf : leaves) {
    // An empty table is known when the program reads any key inside it.
    auto inside = read_keys_.lower_bound(leaf + ".");
    bool known_table = inside != read_keys_.end() && inside->rfind(leaf + ".", 0) == 0;
    if (!read_keys_.count(leaf) && !known_table) {
      return Status::error(where(leaf) + ": " + leaf + ": unknown key");
    }
  }
  return Status::ok();
}

}  // namespace refpay
