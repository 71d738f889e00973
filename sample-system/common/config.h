// Reading a refpay program's TOML configuration strictly: every key a program reads is declared
// by reading it, and any key left unread is an error naming it, so a typo never passes silently.
// Errors carry file:line:column and the dotted key.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace toml {
inline namespace v3 {
class table;
class node;
}  // namespace v3
}  // namespace toml

namespace refpay {

// A loaded configuration document plus the set of keys read so far.
class Config {
 public:
  // Parses `path` and applies `overrides` ("section.key=value", value in TOML syntax or a bare
  // string), the way the command line's --set does.
  static Result<Config> load(const std::string& path, const std::vector<std::string>& overrides);
  // Parses TOML text (for tests and in-memory configs).
  static Result<Config> parse(const std::string& text, const std::string& source_name,
                              const std::vector<std::string>& overrides = {});
  Config(Config&&) noexcept;
  Config& operator=(Config&&) noexcept;
  ~Config();

  // Typed getters: `key` is dotted ("ledger.sync_replicas"). The default is returned when the key
  // is absent; a wrong type or an out-of-range value is an error naming file:line:col and key.
  Result<std::string> get_string(const std::string& key, const std::string& fallback);
  Result<int64_t> get_int(const std::string& key, int64_t fallback, int64_t min, int64_t max);
  Result<bool> get_bool(const std::string& key, bool fallback);
  // A string that must be one of `choices`.
  Result<std::string> get_choice(const std::string& key, const std::string& fallback,
                                 const std::vector<std::string>& choices);
  // An array of tables, e.g. [[ledgers]] entries; each element is read with a prefix
  // "ledgers.0.id". Returns the number of elements.
  Result<std::size_t> get_array_size(const std::string& key);

  // Every key present in the file but never read: an error naming the first one.
  Status check_all_read() const;
  // "file" or "file:line:col" of `key`, for messages about values that are valid TOML but
  // inconsistent with other values.
  std::string where(const std::string& key) const;

 private:
  Config();
  const toml::node* find(const std::string& key) const;
  Status type_error(const std::string& key, const std::string& expected) const;

  std::unique_ptr<toml::table> root_;
  std::string source_name_;
  std::set<std::string> read_keys_;
};

}  // namespace refpay
