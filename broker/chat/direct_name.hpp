#pragma once
// The name of the direct room of two users: "dm:" and both names, sorted
// and joined by ':', so both sides derive the same one. Names starting
// with "dm:" are kept for these rooms; user names with a ':' cannot have
// one, since "dm:a:b:c" could then mean two different pairs.

#include <string>
#include <utility>
#include <string_view>

namespace natter::chat {

inline constexpr std::string_view kDirectPrefix = "dm:";

inline bool is_direct_name(std::string_view room) { return room.starts_with(kDirectPrefix); }

inline bool can_have_direct_rooms(std::string_view user) {
  return !user.empty() && user.find(':') == std::string_view::npos;
}

// Both users must pass can_have_direct_rooms.
inline std::string direct_room_name(std::string_view a, std::string_view b) {
  if (b < a) std::swap(a, b);
  std::string name(kDirectPrefix);
  name.append(a).append(1, ':').append(b);
  return name;
}

// The two users of a direct room's name (empty views if it is not one).
inline std::pair<std::string_view, std::string_view> direct_members(std::string_view room) {
  if (!is_direct_name(room)) return {};
  room.remove_prefix(kDirectPrefix.size());
  const auto colon = room.find(':');
  if (colon == std::string_view::npos) return {};
  return {room.substr(0, colon), room.substr(colon + 1)};
}

}  // namespace natter::chat
