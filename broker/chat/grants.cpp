#include "chat/grants.hpp"

namespace natter::chat {

std::shared_ptr<const Grants> Grants::of(const natter::Identity& identity, std::uint32_t auth_minor) {
  // An Identity from before 1.8 ends before these fields.
  if (auth_minor < 8 || (identity.may_create_rooms && !identity.rooms_limited)) return nullptr;
  auto grants = std::make_shared<Grants>();
  grants->may_create_rooms = identity.may_create_rooms;
  grants->rooms_limited = identity.rooms_limited;
  if (identity.rooms_limited) grants->rooms.assign(identity.rooms.begin(), identity.rooms.end());
  return grants;
}

bool Grants::allows_room(std::string_view room) const noexcept {
  if (!rooms_limited) return true;
  for (const std::string& allowed : rooms) {
    if (allowed.ends_with('*') ? room.starts_with(std::string_view(allowed).substr(0, allowed.size() - 1))
                               : room == allowed) {
      return true;
    }
  }
  return false;
}

}  // namespace natter::chat
