#include "chat/ref_ledger.hpp"

namespace natter::chat {

std::string RefLedger::key(std::string_view user, std::string_view ref) {
  std::string k;
  k.reserve(user.size() + ref.size() + 1);
  k.append(user).push_back('\0');
  k.append(ref);
  return k;
}

RefLedger::Entry* RefLedger::find(std::string_view user, std::string_view ref) {
  auto it = entries_.find(key(user, ref));
  return it == entries_.end() ? nullptr : &it->second.entry;
}

RefLedger::Entry& RefLedger::begin(std::string_view user, std::string_view ref,
                                   std::string_view room) {
  std::string k = key(user, ref);
  while (entries_.size() >= capacity_ && !order_.empty()) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(k);
  Slot& slot = entries_[k];
  slot = Slot{Entry{false, 0, 0, std::string(room), {}}, std::prev(order_.end())};
  return slot.entry;
}

void RefLedger::forget(std::string_view user, std::string_view ref) {
  auto it = entries_.find(key(user, ref));
  if (it == entries_.end()) return;
  order_.erase(it->second.position);
  entries_.erase(it);
}

}  // namespace natter::chat
