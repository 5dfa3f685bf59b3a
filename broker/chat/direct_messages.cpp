#include "chat/direct_messages.hpp"

#include "chat/direct_name.hpp"

namespace natter::chat {

namespace {
// A user name as auth plugins hand them out is at most this long; a longer
// `to` names nobody.
constexpr std::size_t kLongestUser = 128;
}  // namespace

bool DirectMessages::address(Session& session, OwnedCommand& command) {
  Outbox& outbox = parts_.outbox;
  if (!command.room.empty()) {
    outbox.send_error(session, command.ref, natter::ErrorCode::bad_request, "give 'room' or 'to', not both");
    return false;
  }
  if (!can_have_direct_rooms(session.user)) {
    outbox.send_error(session, command.ref, natter::ErrorCode::forbidden,
                      "user names with ':' cannot have direct messages");
    return false;
  }
  if (!can_have_direct_rooms(command.to) || command.to.size() > kLongestUser ||
      command.to.find('\n') != std::string::npos) {
    outbox.send_error(session, command.ref, natter::ErrorCode::bad_request,
                      "field 'to' must be a user name (without ':', at most 128 bytes)");
    return false;
  }
  command.room = direct_room_name(session.user, command.to);
  if (!parts_.catalog.find(command.room)) {
    RoomRecord record;
    record.kind = RoomKind::direct;
    record.members = {session.user, command.to};
    // Not waited for: storage applies it before the message that follows,
    // which is what the sender's ack waits for.
    parts_.state.write(parts_.catalog.create(command.room, record), {});
    for (const std::string& user : record.members) {
      for (Session* device : parts_.sessions.of_user(user)) membership_.attach(*device, command.room);
    }
  }
  return true;
}

}  // namespace natter::chat
