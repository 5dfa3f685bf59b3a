#include "chat/ref_ledger.hpp"

#include <functional>

namespace natter::chat {

namespace {

bool same_key(const std::string& key, std::string_view user, std::string_view ref) {
  return key.size() == user.size() + 1 + ref.size() && key.compare(0, user.size(), user) == 0 &&
         key[user.size()] == '\0' && key.compare(user.size() + 1, ref.size(), ref) == 0;
}

}  // namespace

RefLedger::RefLedger(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity), index_(16) {
  records_.reserve(capacity_);  // Entry pointers stay valid while the ring fills
}

std::uint64_t RefLedger::hash_of(std::string_view user, std::string_view ref) {
  const std::uint64_t u = std::hash<std::string_view>{}(user);
  const std::uint64_t r = std::hash<std::string_view>{}(ref);
  return u ^ (r + 0x9e3779b97f4a7c15ULL + (u << 6) + (u >> 2));
}

std::size_t RefLedger::slot_of(std::uint64_t hash, std::string_view user, std::string_view ref) const {
  const std::size_t mask = index_.size() - 1;
  const auto low = static_cast<std::uint32_t>(hash);
  for (std::size_t at = low & mask;; at = (at + 1) & mask) {
    const Slot& slot = index_[at];
    if (slot.record == 0) return index_.size();
    if (slot.hash == low) {
      const Record& record = records_[slot.record - 1];
      if (record.hash == hash && same_key(record.key, user, ref)) return at;
    }
  }
}

void RefLedger::insert_slot(std::uint32_t record, std::uint64_t hash) {
  const std::size_t mask = index_.size() - 1;
  const auto low = static_cast<std::uint32_t>(hash);
  std::size_t at = low & mask;
  while (index_[at].record != 0) at = (at + 1) & mask;
  index_[at] = {record, low};
}

void RefLedger::erase_slot(std::size_t at) {
  const std::size_t mask = index_.size() - 1;
  for (std::size_t next = (at + 1) & mask; index_[next].record != 0; next = (next + 1) & mask) {
    // A slot may move back into the hole unless its home lies cyclically
    // after the hole and at or before where it sits.
    const std::size_t home = index_[next].hash & mask;
    const bool stays = at <= next ? (home > at && home <= next) : (home > at || home <= next);
    if (stays) continue;
    index_[at] = index_[next];
    at = next;
  }
  index_[at] = {};
}

void RefLedger::grow_index() {
  std::vector<Slot> old(index_.size() * 2);
  old.swap(index_);
  for (const Slot& slot : old) {
    if (slot.record != 0) insert_slot(slot.record, records_[slot.record - 1].hash);
  }
}

RefLedger::Entry* RefLedger::find(std::string_view user, std::string_view ref) {
  const std::size_t at = slot_of(hash_of(user, ref), user, ref);
  return at == index_.size() ? nullptr : &records_[index_[at].record - 1].entry;
}

void RefLedger::remember(std::string_view user, std::string_view ref, std::string_view room, std::uint64_t id,
                         std::int64_t ts_ms) {
  if (find(user, ref)) return;
  Entry& entry = begin(user, ref, room, 0);
  entry.id = id;
  entry.ts_ms = ts_ms;
}

RefLedger::Entry& RefLedger::begin(std::string_view user, std::string_view ref, std::string_view room,
                                   std::uint64_t send_key) {
  const std::uint64_t hash = hash_of(user, ref);
  std::size_t position;
  if (records_.size() < capacity_) {
    position = records_.size();
    records_.emplace_back();
  } else {
    position = next_;
    next_ = (next_ + 1) % capacity_;
    Record& oldest = records_[position];
    if (oldest.live) {
      // Its slot is on its probe path from home: find it by position.
      const std::size_t mask = index_.size() - 1;
      std::size_t at = oldest.hash & mask;
      while (index_[at].record != position + 1) at = (at + 1) & mask;
      erase_slot(at);
      --live_;
    }
  }
  if ((live_ + 1) * 2 > index_.size() && index_.size() < 2 * capacity_) grow_index();
  Record& record = records_[position];
  record.hash = hash;
  record.key.assign(user).push_back('\0');
  record.key.append(ref);
  record.live = true;
  record.entry.in_flight = send_key;
  record.entry.id = 0;
  record.entry.ts_ms = 0;
  record.entry.room.assign(room);
  insert_slot(static_cast<std::uint32_t>(position + 1), hash);
  ++live_;
  return record.entry;
}

void RefLedger::forget(std::string_view user, std::string_view ref) {
  const std::size_t at = slot_of(hash_of(user, ref), user, ref);
  if (at == index_.size()) return;
  records_[index_[at].record - 1].live = false;
  erase_slot(at);
  --live_;
}

}  // namespace natter::chat
