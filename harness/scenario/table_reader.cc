// Strict TOML table reading; see table_reader.h.
#include "scenario/table_reader.h"

#include <sstream>

namespace firedrill {

void add_diagnostic(Diagnostics& diagnostics, const std::string& file, const toml::node& node,
                    const std::string& key, const std::string& message) {
  const auto& begin = node.source().begin;
  diagnostics.add(Diagnostic{file, static_cast<int>(begin.line), static_cast<int>(begin.column),
                             key, message});
}

TableReader::TableReader(const toml::table& table, std::string path, std::string file,
                         Diagnostics& diagnostics)
    : table_(table), path_(std::move(path)), file_(std::move(file)), diagnostics_(diagnostics) {}

std::string TableReader::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

void TableReader::error(const std::string& key, const std::string& message) {
  const toml::node* node = table_.get(key);
  add_diagnostic(diagnostics_, file_, node ? *node : static_cast<const toml::node&>(table_),
                 key_path(key), message);
}

const toml::node* TableReader::find(const std::string& key, bool required, const char* expected) {
  known_.insert(key);
  const toml::node* node = table_.get(key);
  if (!node && required) error(key, std::string("required: ") + expected);
  return node;
}

std::optional<std::string> TableReader::string(const std::string& key, bool required) {
  const toml::node* node = find(key, required, "a string");
  if (!node) return std::nullopt;
  if (!node->is_string()) {
    error(key, "expected a string");
    return std::nullopt;
  }
  return *node->value<std::string>();
}

std::optional<int64_t> TableReader::integer(const std::string& key, int64_t min, int64_t max,
                                            bool required) {
  const toml::node* node = find(key, required, "an integer");
  if (!node) return std::nullopt;
  if (!node->is_integer()) {
    error(key, "expected an integer");
    return std::nullopt;
  }
  int64_t value = *node->value<int64_t>();
  if (value < min || value > max) {
    error(key, std::to_string(value) + " is out of range [" + std::to_string(min) + ", " +
                   std::to_string(max) + "]");
    return std::nullopt;
  }
  return value;
}

std::optional<double> TableReader::number(const std::string& key, double min, double max,
                                          bool required) {
  const toml::node* node = find(key, required, "a number");
  if (!node) return std::nullopt;
  if (!node->is_number()) {
    error(key, "expected a number");
    return std::nullopt;
  }
  double value = *node->value<double>();
  if (!(value >= min && value <= max)) {
    std::ostringstream out;
    out << value << " is out of range [" << min << ", " << max << "]";
    error(key, out.str());
    return std::nullopt;
  }
  return value;
}

std::optional<bool> TableReader::boolean(const std::string& key) {
  const toml::node* node = find(key, false, "true or false");
  if (!node) return std::nullopt;
  if (!node->is_boolean()) {
    error(key, "expected true or false");
    return std::nullopt;
  }
  return *node->value<bool>();
}

std::optional<Milliseconds> TableReader::duration(const std::string& key, Milliseconds min,
                                                  Milliseconds max, bool required) {
  const toml::node* node = find(key, required, "a duration like \"30s\"");
  if (!node) return std::nullopt;
  if (!node->is_string()) {
    error(key, "expected a duration like \"500ms\", \"30s\" or \"2m\" (a string with its unit)");
    return std::nullopt;
  }
  auto parsed = parse_duration(*node->value<std::string>());
  if (!parsed) {
    error(key, parsed.status().message());
    return std::nullopt;
  }
  if (*parsed < min || *parsed > max) {
    error(key, "\"" + *node->value<std::string>() + "\" is out of range [" +
                   format_duration(min) + ", " + format_duration(max) + "]");
    return std::nullopt;
  }
  return *parsed;
}

std::optional<int64_t> TableReader::size_bytes(const std::string& key, int64_t min, int64_t max,
                                               bool required) {
  const toml::node* node = find(key, required, "a size like \"64MiB\"");
  if (!node) return std::nullopt;
  auto parsed = node->is_string() ? parse_size_bytes(*node->value<std::string>())
                                  : Result<int64_t>(Status::error("expected a size like \"64MiB\""));
  if (!parsed) {
    error(key, parsed.status().message());
    return std::nullopt;
  }
  if (*parsed < min || *parsed > max) {
    error(key, std::to_string(*parsed) + " bytes is out of range [" + std::to_string(min) + ", " +
                   std::to_string(max) + "]");
    return std::nullopt;
  }
  return *parsed;
}

std::optional<std::vector<std::string>> TableReader::strings(const std::string& key, bool required) {
  const toml::node* node = find(key, required, "an array of strings");
  if (!node) return std::nullopt;
  const toml::array* array = node->as_array();
  std::vector<std::string> out;
  if (array) {
    for (const auto& element : *array) {
      if (!element.is_string()) {
        add_diagnostic(diagnostics_, file_, element, key_path(key), "expected an array of strings");
        return std::nullopt;
      }
      out.push_back(*element.value<std::string>());
    }
    return out;
  }
  error(key, "expected an array of strings");
  return std::nullopt;
}

const toml::table* TableReader::table(const std::string& key, bool required) {
  const toml::node* node = find(key, required, "a table");
  if (!node) return nullptr;
  if (!node->is_table()) {
    error(key, "expected a table");
    return nullptr;
  }
  return node->as_table();
}

const toml::array* TableReader::array(const std::string& key, bool required) {
  const toml::node* node = find(key, required, "an array");
  if (!node) return nullptr;
  if (!node->is_array()) {
    error(key, "expected an array");
    return nullptr;
  }
  return node->as_array();
}

const toml::node* TableReader::node(const std::string& key) {
  known_.insert(key);
  return table_.get(key);
}

void TableReader::finish() {
  for (const auto& [key, value] : table_) {
    std::string name(key.str());
    if (!known_.count(name)) {
      const auto& begin = key.source().begin;
      diagnostics_.add(Diagnostic{file_, static_cast<int>(begin.line),
                                  static_cast<int>(begin.column), key_path(name), "unknown key"});
    }
  }
}

}  // namespace firedrill
