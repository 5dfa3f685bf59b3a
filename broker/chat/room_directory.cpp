#include "chat/room_directory.hpp"

#include <algorithm>

#include "chat/session.hpp"

namespace natter::chat {

Room* RoomDirectory::find(std::string_view name) {
  auto it = rooms_.find(name);
  return it == rooms_.end() ? nullptr : &it->second;
}

bool RoomDirectory::add_member(std::string_view name, Session& session) {
  auto it = rooms_.find(name);
  const bool first = it == rooms_.end();
  if (first) it = rooms_.emplace(std::string(name), Room{}).first;
  it->second.members.push_back(&session);
  return first;
}

bool RoomDirectory::remove_member(std::string_view name, Session& session) {
  auto it = rooms_.find(name);
  if (it == rooms_.end()) return false;
  auto& members = it->second.members;
  members.erase(std::remove(members.begin(), members.end(), &session), members.end());
  if (!members.empty()) return false;
  rooms_.erase(it);
  return true;
}

void RoomDirectory::remember(const StoredMessage& message) {
  Room* room = find(message.room);
  if (!room) return;
  auto& recent = room->recent;
  // Bus traffic from other nodes can arrive slightly out of id order.
  auto at = std::upper_bound(recent.begin(), recent.end(), message.id,
                             [](std::uint64_t id, const StoredMessage& m) { return id < m.id; });
  if (at != recent.begin() && std::prev(at)->id == message.id) return;
  recent.insert(at, message);
  while (recent.size() > recent_limit_) recent.pop_front();
}

std::vector<std::string> RoomDirectory::member_names(std::string_view name) const {
  std::vector<std::string> names;
  auto it = rooms_.find(name);
  if (it == rooms_.end()) return names;
  for (const Session* s : it->second.members) names.push_back(s->user);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

bool Room::holds(std::uint64_t id) const {
  const auto it = std::lower_bound(recent.begin(), recent.end(), id,
                                   [](const StoredMessage& m, std::uint64_t wanted) { return m.id < wanted; });
  return it != recent.end() && it->id == id;
}

std::vector<std::string> RoomDirectory::names() const {
  std::vector<std::string> names;
  names.reserve(rooms_.size());
  for (const auto& [name, room] : rooms_) names.push_back(name);
  return names;
}

}  // namespace natter::chat
