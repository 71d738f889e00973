// Strict reading of one TOML table: each getter both reads a key and declares it known; finish()
// reports every key that was never asked for. Wrong types, out-of-range values and missing
// required keys become diagnostics naming file:line:column and the dotted key.
// Internal to the scenario library (it exposes toml++ types).
#pragma once

#include <toml++/toml.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "scenario/diagnostics.h"
#include "scenario/duration.h"

namespace firedrill {

class TableReader {
 public:
  // `path` is the dotted name of the table ("drill", "fault[0]"); `file` the source's name.
  TableReader(const toml::table& table, std::string path, std::string file, Diagnostics& diagnostics);

  std::optional<std::string> string(const std::string& key, bool required = false);
  std::optional<int64_t> integer(const std::string& key, int64_t min, int64_t max,
                                 bool required = false);
  std::optional<double> number(const std::string& key, double min, double max,
                               bool required = false);
  std::optional<bool> boolean(const std::string& key);
  std::optional<Milliseconds> duration(const std::string& key, Milliseconds min, Milliseconds max,
                                       bool required = false);
  std::optional<int64_t> size_bytes(const std::string& key, int64_t min, int64_t max,
                                    bool required = false);
  std::optional<std::vector<std::string>> strings(const std::string& key, bool required = false);
  // A sub-table or an array of tables, without reading inside it.
  const toml::table* table(const std::string& key, bool required = false);
  const toml::array* array(const std::string& key, bool required = false);
  // The raw node, declared known (for values whose type depends on other keys).
  const toml::node* node(const std::string& key);

  // Reports every key never read as "unknown key".
  void finish();

  // Adds a diagnostic at `key` (or at the table when the key is absent).
  void error(const std::string& key, const std::string& message);
  std::string key_path(const std::string& key) const;
  const std::string& file() const { return file_; }
  Diagnostics& diagnostics() { return diagnostics_; }

 private:
  const toml::node* find(const std::string& key, bool required, const char* expected);

  const toml::table& table_;
  std::string path_;
  std::string file_;
  Diagnostics& diagnostics_;
  std::set<std::string> known_;
};

// Adds a diagnostic positioned at `node`.
void add_diagnostic(Diagnostics& diagnostics, const std::string& file, const toml::node& node,
                    const std::string& key, const std::string& message);

}  // namespace firedrill
