#pragma once
// Rooms that have members on this node, who those members are, and each
// room's most recent messages (so replay and history also see messages
// storage has not committed yet). Loop thread only.

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "chat/stored_message.hpp"

namespace natter::chat {

class Session;

struct Room {
  std::vector<Session*> members;
  std::deque<StoredMessage> recent;  // ascending id

  // Whether message `id` is among the recent ones.
  bool holds(std::uint64_t id) const;
};

class RoomDirectory {
 public:
  explicit RoomDirectory(std::size_t recent_per_room) : recent_limit_(recent_per_room) {}

  Room* find(std::string_view name);
  // Adds `session`; true if the room had no members on this node before.
  bool add_member(std::string_view name, Session& session);
  // Removes `session`; true if the room has no members on this node now
  // (and is forgotten).
  bool remove_member(std::string_view name, Session& session);
  // Keeps `message` among its room's recent ones, in id order.
  void remember(const StoredMessage& message);
  // Distinct user names of the room's members, sorted.
  std::vector<std::string> member_names(std::string_view name) const;
  std::size_t size() const noexcept { return rooms_.size(); }
  // Every room with members on this node.
  std::vector<std::string> names() const;
  std::size_t recent_limit() const noexcept { return recent_limit_; }

 private:
  std::size_t recent_limit_;
  std::map<std::string, Room, std::less<>> rooms_;
};

}  // namespace natter::chat
