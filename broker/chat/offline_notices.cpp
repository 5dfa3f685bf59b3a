#include "chat/offline_notices.hpp"

#include <algorithm>

#include "chat/direct_name.hpp"

namespace natter::chat {

namespace {

// Ends a mentioned name; '@' itself too, so "@a@b" names nobody twice.
bool ends_name(char c) {
  return static_cast<unsigned char>(c) <= ' ' || std::string_view(",.;:!?()[]{}<>\"'`@").find(c) != std::string_view::npos;
}

// The most names one message may mention before the rest are ignored.
constexpr std::size_t kMaxMentions = 32;

}  // namespace

std::vector<std::string> mentioned_users(std::string_view body) {
  std::vector<std::string> names;
  for (std::size_t at = body.find('@'); at != std::string_view::npos && names.size() < kMaxMentions;
       at = body.find('@', at + 1)) {
    if (at > 0 && !ends_name(body[at - 1])) continue;  // an address, like ann@example.com
    std::size_t end = at + 1;
    while (end < body.size() && !ends_name(body[end])) ++end;
    if (end == at + 1) continue;
    std::string name(body.substr(at + 1, end - at - 1));
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
  }
  return names;
}

OfflineNotices::OfflineNotices(std::vector<faults::GuardedHook*> hooks, const RoomCatalog& catalog,
                               const Presence& presence)
    : hooks_(std::move(hooks)), catalog_(catalog), presence_(presence) {}

template <class Each>
void OfflineNotices::for_each_offline(const StoredMessage& message, Each&& each) const {
  if (hooks_.empty() || message.sender.empty()) return;
  if (is_direct_name(message.room)) {
    const auto [a, b] = direct_members(message.room);
    const std::string_view other = a == message.sender ? b : a;
    if (!other.empty() && other != message.sender && !presence_.online(other)) {
      each(other, natter::NoticeReason::direct);
    }
    return;
  }
  if (message.body.find('@') == std::string::npos) return;
  const RoomRecord* record = catalog_.find(message.room);
  if (!record) return;
  for (const std::string& user : mentioned_users(message.body)) {
    if (user != message.sender && record->is_member(user) && !presence_.online(user)) {
      each(user, natter::NoticeReason::mention);
    }
  }
}

std::string_view OfflineNotices::refusal_for(const StoredMessage& message) const {
  const faults::GuardedHook* refusing = nullptr;
  for (const faults::GuardedHook* hook : hooks_) {
    if (hook->refuses_sends()) refusing = hook;
  }
  if (!refusing) return {};
  bool concerns_someone = false;
  for_each_offline(message, [&](std::string_view, natter::NoticeReason) { concerns_someone = true; });
  return concerns_someone ? refusing->refusal() : std::string_view{};
}

void OfflineNotices::accepted(const StoredMessage& message) {
  for_each_offline(message, [&](std::string_view user, natter::NoticeReason reason) {
    const natter::OfflineNotice notice{user, reason, message.view()};
    for (faults::GuardedHook* hook : hooks_) hook->offline(notice);
  });
}

}  // namespace natter::chat
