// String interning for scoring: a run of a million payments names a million idempotency keys and
// a few dozen accounts, each many times (invoke, completions, every export's transfer). Each
// distinct string is stored once and compared by its id.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace firedrill {

// Interned strings in one arena. Id 0 is the empty string. Views stay valid while the table is
// not added to.
class StringTable {
 public:
  StringTable();
  uint32_t intern(std::string_view s);
  // The id of `s`, or -1 when it was never interned.
  int64_t find(std::string_view s) const;
  std::string_view view(uint32_t id) const {
    return std::string_view(chars_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  std::size_t size() const { return offsets_.size() - 1; }
  // Room for `strings` strings of `chars` characters in all, so that adding them does not rehash.
  void reserve(std::size_t strings, std::size_t chars);

 private:
  void rehash(std::size_t capacity);
  // The slot of `s` (hash `hash`): where it is, or the empty slot where it would go.
  std::size_t slot_of(std::string_view s, std::size_t hash) const;
  static uint32_t id_in(uint64_t slot) { return static_cast<uint32_t>(slot) - 1; }
  static uint32_t hash_in(uint64_t slot) { return static_cast<uint32_t>(slot >> 32); }
  std::string chars_;
  std::vector<uint64_t> offsets_;  // id → start; one past the last id → end
  // Open addressing: the low 32 bits of the string's hash above its id + 1; 0 empty. The hash in
  // the slot spares a probe the look at the string (a cache miss) unless it likely matches.
  std::vector<uint64_t> slots_;
  // The ids of strings interned or found lately, by the low bits of their hashes: a payment's key
  // comes back a few records after its invoke, an account every few records, and this spares
  // them a probe of the large table.
  static constexpr std::size_t kRecentSize = 1024;
  std::vector<uint32_t> recent_ = std::vector<uint32_t>(kRecentSize, 0);
};

// The strings scoring compares, by id: those of a base table (the one reading the timeline
// filled) keep their ids, and any other (a key or an account named by a timeline record kept as
// JSON, an account of an export) is added after them. Equal strings have equal ids, so comparing
// ids compares the strings.
class Names {
 public:
  explicit Names(const StringTable& base)
      : base_(base), base_size_(static_cast<uint32_t>(base.size())) {}
  // The id of `s`, added when it is new.
  uint32_t id(std::string_view s);
  // The id of `s`, or -1 when it has none.
  int64_t find(std::string_view s) const;
  std::string_view view(uint32_t id) const {
    return id < base_size_ ? base_.view(id) : extra_.view(id - base_size_);
  }
  std::size_t size() const { return base_size_ + extra_.size(); }

 private:
  const StringTable& base_;
  const uint32_t base_size_;
  StringTable extra_;
};

}  // namespace firedrill
