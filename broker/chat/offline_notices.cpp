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

OfflineNotices::OfflineNotices(std::vector<natter::Hook*> hooks, const RoomCatalog& catalog, const Presence& presence)
    : hooks_(std::move(hooks)), catalog_(catalog), presence_(presence) {}

void OfflineNotices::accepted(const StoredMessage& message) {
  if (hooks_.empty() || message.sender.empty()) return;
  if (is_direct_name(message.room)) {
    const auto [a, b] = direct_members(message.room);
    const std::string_view other = a == message.sender ? b : a;
    if (!other.empty() && other != message.sender) tell(other, natter::NoticeReason::direct, message);
    return;
  }
  const RoomRecord* record = catalog_.find(message.room);
  if (!record) return;
  for (const std::string& user : mentioned_users(message.body)) {
    if (user != message.sender && record->is_member(user)) tell(user, natter::NoticeReason::mention, message);
  }
}

void OfflineNotices::tell(std::string_view user, natter::NoticeReason reason, const StoredMessage& message) {
  if (presence_.online(user)) return;
  const natter::OfflineNotice notice{user, reason, message.view()};
  for (natter::Hook* hook : hooks_) hook->offline(notice);
}

}  // namespace natter::chat
