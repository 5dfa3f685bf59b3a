#include "chat/access.hpp"

namespace natter::chat {

Role role_of(const RoomRecord& room, std::string_view user) {
  if (!room.owner.empty() && room.owner == user) return Role::owner;
  if (room.is_member(user)) return Role::member;
  if (room.is_invited(user)) return Role::invited;
  return Role::stranger;
}

natter::ErrorCode access(RoomAction action, Role role, const RoomRecord& room) {
  using natter::ErrorCode;
  const bool belongs = role == Role::owner || role == Role::member;
  if (room.kind == RoomKind::direct) {
    // Its two users are its members from the start; nobody else is let in,
    // and nothing about it can be managed.
    switch (action) {
      case RoomAction::join:
      case RoomAction::send:
      case RoomAction::history:
      case RoomAction::typing:
      case RoomAction::members: return belongs ? ErrorCode::none : ErrorCode::forbidden;
      default: return ErrorCode::forbidden;
    }
  }
  switch (action) {
    case RoomAction::join:
      if (belongs || role == Role::invited || room.kind == RoomKind::public_room) return ErrorCode::none;
      return room.kind == RoomKind::protected_room ? ErrorCode::wrong_password : ErrorCode::not_invited;
    case RoomAction::send:
    case RoomAction::history:
    case RoomAction::typing:
    case RoomAction::members: return belongs ? ErrorCode::none : ErrorCode::not_member;
    case RoomAction::invite:
      if (role == Role::owner || (role == Role::member && room.members_invite)) return ErrorCode::none;
      return ErrorCode::forbidden;
    case RoomAction::kick:
    case RoomAction::delete_room: return role == Role::owner ? ErrorCode::none : ErrorCode::forbidden;
  }
  return ErrorCode::forbidden;
}

std::string_view refusal_text(natter::ErrorCode code, RoomAction action) {
  switch (code) {
    case natter::ErrorCode::wrong_password: return "this room needs its password";
    case natter::ErrorCode::not_invited: return "this room is private: ask a member for an invitation";
    case natter::ErrorCode::not_member: return "join the room first";
    default: break;
  }
  switch (action) {
    case RoomAction::invite: return "only the owner (or members, if the owner allows) may invite";
    case RoomAction::kick: return "only the room's owner may remove members";
    case RoomAction::delete_room: return "only the room's owner may delete it";
    default: return "a direct room admits only its two users";
  }
}

}  // namespace natter::chat
