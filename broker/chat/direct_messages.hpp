#pragma once
// Direct messages: `send` with `to` instead of `room` goes to the direct
// room of the two users (chat/direct_name.hpp), made on first use with both
// as members and nobody else admitted. Every session of either user on
// this node is in it from sign-in (or from the room's making), so a direct
// message reaches every device of both. Loop thread only.

#include "chat/membership.hpp"

namespace natter::chat {

class DirectMessages {
 public:
  // Borrows everything; all of it outlives the service.
  DirectMessages(MembershipParts parts, Membership& membership) : parts_(parts), membership_(membership) {}

  // Turns a `send` with `to` into a send to the direct room, making the
  // room if needed: true, with command.room set; false after telling the
  // client why not.
  bool address(Session& session, OwnedCommand& command);

 private:
  MembershipParts parts_;
  Membership& membership_;
};

}  // namespace natter::chat
