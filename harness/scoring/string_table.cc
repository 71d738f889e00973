// String interning; see string_table.h.
#include "scoring/string_table.h"

#include <functional>
#include <stdexcept>

#include "scoring/big_buffers.h"

namespace firedrill {
namespace {

std::size_t hash_of(std::string_view s) {
  return std::hash<std::string_view>{}(s);
}

}  // namespace

StringTable::StringTable() : offsets_{0, 0} {
  rehash(16);
}

void StringTable::reserve(std::size_t strings, std::size_t chars) {
  reserve_big(chars_, chars);
  reserve_big(offsets_, strings + 2);
  std::size_t capacity = slots_.size();
  while (2 * (strings + 1) > capacity) capacity *= 2;
  if (capacity != slots_.size()) rehash(capacity);
}

void StringTable::rehash(std::size_t capacity) {
  std::vector<uint64_t> fresh;
  reserve_big(fresh, capacity);
  fresh.assign(capacity, 0);
  for (const uint64_t slot : slots_) {
    if (slot == 0) continue;
    std::size_t i = hash_in(slot) & (capacity - 1);
    while (fresh[i] != 0) i = (i + 1) & (capacity - 1);
    fresh[i] = slot;
  }
  slots_.swap(fresh);
}

std::size_t StringTable::slot_of(std::string_view s, std::size_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  const auto low = static_cast<uint32_t>(hash);
  for (std::size_t i = low & mask;; i = (i + 1) & mask) {
    const uint64_t slot = slots_[i];
    if (slot == 0 || (hash_in(slot) == low && view(id_in(slot)) == s)) return i;
  }
}

int64_t StringTable::find(std::string_view s) const {
  if (s.empty()) return 0;
  const uint64_t slot = slots_[slot_of(s, hash_of(s))];
  return slot == 0 ? -1 : static_cast<int64_t>(id_in(slot));
}

uint32_t StringTable::intern(std::string_view s) {
  if (s.empty()) return 0;
  const std::size_t hash = hash_of(s);
  uint32_t& recent = recent_[hash & (kRecentSize - 1)];
  if (recent != 0 && view(recent) == s) return recent;
  const std::size_t i = slot_of(s, hash);
  if (slots_[i] != 0) return recent = id_in(slots_[i]);
  const auto id = static_cast<uint32_t>(size());
  recent = id;
  chars_.append(s);
  offsets_.push_back(chars_.size());
  slots_[i] =
      (static_cast<uint64_t>(static_cast<uint32_t>(hash)) << 32) | (static_cast<uint64_t>(id) + 1);
  if (2 * (size() + 1) > slots_.size()) rehash(2 * slots_.size());
  return id;
}

uint32_t Names::id(std::string_view s) {
  if (const int64_t i = base_.find(s); i >= 0) return static_cast<uint32_t>(i);
  const uint32_t extra = extra_.intern(s);
  if (extra > UINT32_MAX - base_size_)
    throw std::length_error("scoring: more than 2^32 distinct strings");
  return base_size_ + extra;
}

int64_t Names::find(std::string_view s) const {
  if (const int64_t i = base_.find(s); i >= 0) return i;
  const int64_t extra = extra_.find(s);
  return extra > 0 ? base_size_ + extra : -1;  // extra's id 0 is "", which base_ has
}

}  // namespace firedrill
