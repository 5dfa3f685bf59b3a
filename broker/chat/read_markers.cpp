#include "chat/read_markers.hpp"

#include "chat/command_write.hpp"

namespace natter::chat {

void ReadMarkers::read(Session& session, const OwnedCommand& command) {
  Outbox& outbox = parts_.outbox;
  const RoomRecord* record = parts_.catalog.find(command.room);
  if (!session.joined(command.room) || !record || !record->is_member(session.user)) {
    outbox.send_error(session, command.ref, natter::ErrorCode::not_member,
                      "join room '" + command.room + "' to mark it read");
    return;
  }
  if (command.id == 0) {
    outbox.send_error(session, command.ref, natter::ErrorCode::bad_request, "field 'id' must be a message id");
    return;
  }
  const auto it = record->read_up_to.find(session.user);
  const std::uint64_t current = it == record->read_up_to.end() ? 0 : it->second;
  if (command.id <= current) {
    // Markers only move forward: another device got further already, and
    // nobody else needs telling again.
    auto answer = EventBuffer::make(natter::EventKind::read);
    answer->set_ref(command.ref).set_room(command.room).set_user(session.user).set_message(
        {current, 0, command.room, session.user, {}});
    outbox.send(session, answer);
    return;
  }
  const CommandWriteParts writing{parts_.state, parts_.sessions, parts_.outbox};
  write_for_command(writing, session, command.ref, parts_.catalog.mark_read(command.room, session.user, command.id),
                    "the read marker", [this, command, user = session.user](Session* session) {
                      if (!parts_.catalog.find(command.room)) return;
                      StoredMessage marker;
                      marker.id = command.id;
                      parts_.bus.event({natter::EventKind::read, command.room, user, {}, marker});
                      tell(session, command.room, user, command.id, command.ref);
                    });
}

void ReadMarkers::tell(Session* asker, const std::string& room, const std::string& user, std::uint64_t id,
                       std::string_view ref) {
  auto event = EventBuffer::make(natter::EventKind::read);
  event->set_room(room).set_user(user).set_message({id, 0, room, user, {}});
  const RoomRecord* record = parts_.catalog.find(room);
  const Room* present = parts_.rooms.find(room);
  std::vector<Session*> audience;
  if (present && record && record->members.size() <= settings_.announce_max_members) {
    audience = present->members;
  } else {
    for (Session* device : parts_.sessions.of_user(user)) {
      if (device->joined(room)) audience.push_back(device);
    }
  }
  std::erase(audience, asker);
  parts_.outbox.deliver(audience, event, {});
  if (!asker) return;
  auto answer = EventBuffer::make(natter::EventKind::read);
  answer->set_ref(ref).set_room(room).set_user(user).set_message({id, 0, room, user, {}});
  parts_.outbox.send(*asker, answer);
}

}  // namespace natter::chat
