#pragma once
// Who may do what in which kind of room: one table, so the rules can be
// read (and tested) in one place. Room names and the room's existence are
// checked before. Any thread (pure).

#include <string_view>

#include <natter/values.hpp>

#include "chat/room_catalog.hpp"

namespace natter::chat {

enum class Role { owner, member, invited, stranger };
enum class RoomAction { join, send, history, typing, invite, kick, delete_room, members };

Role role_of(const RoomRecord& room, std::string_view user);

// ErrorCode::none if `role` may do `action` in `room`. For a stranger
// joining a protected room the answer is wrong_password: the password
// decides, and the caller checks it.
natter::ErrorCode access(RoomAction action, Role role, const RoomRecord& room);

// The message that goes with a refusal, for humans.
std::string_view refusal_text(natter::ErrorCode code, RoomAction action);

}  // namespace natter::chat
