// String interning; see string_table.h.
#include "scoring/string_table.h"

#include <functional>

#include "scoring/big_buffers.h"
#include <stdexcept>

namespace firedrill {
namespace {

std::size_t hash_of(std::string_view s) { return std::hash<std::string_view>{}(s); }

}  // namespace

StringTable::StringTable() : offsets_{0, 0}, hashes_{0} { rehash(16); }

void StringTable::reserve(std::size_t strings, std::size_t chars) {
  reserve_big(chars_, chars);
  reserve_big(offsets_, strings + 2);
  reserve_big(hashes_, strings + 1);
  std::size_t capacity = slots_.size();
  while (2 * (strings + 1) > capacity) capacity *= 2;
  if (capacity == slots_.size()) return;
  slots_ = std::vector<uint32_t>();
  reserve_big(slots_, capacity);
  rehash(capacity);
}

void StringTable::rehash(std::size_t capacity) {
  slots_.assign(capacity, 0);
  for (uint32_t id = 1; id < size(); ++id) {
    std::size_t i = hashes_[id] & (capacity - 1);
    while (slots_[i] != 0) i = (i + 1) & (capacity - 1);
    slots_[i] = id + 1;
  }
}

std::size_t StringTable::slot_of(std::string_view s, std::size_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  const auto low = static_cast<uint32_t>(hash);
  for (std::size_t i = low & mask;; i = (i + 1) & mask) {
    const uint32_t slot = slots_[i];
    if (slot == 0 || (hashes_[slot - 1] == low && view(slot - 1) == s)) return i;
  }
}

int64_t StringTable::find(std::string_view s) const {
  if (s.empty()) return 0;
  const uint32_t slot = slots_[slot_of(s, hash_of(s))];
  return slot == 0 ? -1 : static_cast<int64_t>(slot) - 1;
}

uint32_t StringTable::intern(std::string_view s) {
  if (s.empty()) return 0;
  const std::size_t hash = hash_of(s);
  const std::size_t i = slot_of(s, hash);
  if (slots_[i] != 0) return slots_[i] - 1;
  const auto id = static_cast<uint32_t>(size());
  chars_.append(s);
  offsets_.push_back(chars_.size());
  hashes_.push_back(static_cast<uint32_t>(hash));
  slots_[i] = id + 1;
  if (2 * (size() + 1) > slots_.size()) rehash(2 * slots_.size());
  return id;
}

uint32_t Names::id(std::string_view s) {
  if (const int64_t i = base_.find(s); i >= 0) return static_cast<uint32_t>(i);
  const uint32_t extra = extra_.intern(s);
  if (extra > UINT32_MAX - base_size_) throw std::length_error("scoring: more than 2^32 distinct strings");
  return base_size_ + extra;
}

int64_t Names::find(std::string_view s) const {
  if (const int64_t i = base_.find(s); i >= 0) return i;
  const int64_t extra = extra_.find(s);
  return extra > 0 ? base_size_ + extra : -1;  // extra's id 0 is "", which base_ has
}

}  // namespace firedrill
