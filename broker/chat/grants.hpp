#pragma once
// What a session's credential allows beyond the room rules every user has
// (natter::Identity's 1.8 fields: may_create_rooms, rooms): copied when
// the session signs in, then immutable and read on the loop.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <natter/values.hpp>

namespace natter::chat {

struct Grants {
  bool may_create_rooms = true;
  bool rooms_limited = false;
  std::vector<std::string> rooms;  // names, or prefixes ending in '*'

  // The grants of `identity` from an auth plugin built for SDK minor
  // `auth_minor`; null when they limit nothing, so that most sessions
  // carry nothing. Any thread.
  static std::shared_ptr<const Grants> of(const natter::Identity& identity, std::uint32_t auth_minor);
  bool allows_room(std::string_view room) const noexcept;
};

}  // namespace natter::chat
