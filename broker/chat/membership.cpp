#include "chat/membership.hpp"

#include <vector>

#include "chat/bus_codec.hpp"

namespace natter::chat {

Membership::Membership(const config::BrokerSettings& settings, RoomDirectory& rooms, Outbox& outbox,
                       natter::PubSub& bus, runtime::MetricsRegistry& metrics)
    : settings_(settings),
      rooms_(rooms),
      outbox_(outbox),
      bus_(bus),
      rooms_gauge_(metrics.gauge("natter_rooms", "Rooms with members on this node")) {}

bool Membership::join(Session& session, const OwnedCommand& command) {
  const bool already = session.joined(command.room);
  if (!already && session.rooms.size() >= settings_.max_rooms_per_session) {
    outbox_.send_error(session, command.ref, natter::ErrorCode::forbidden,
                       "this connection already joined " + std::to_string(settings_.max_rooms_per_session) +
                           " rooms");
    return false;
  }
  if (!already) {
    session.rooms.insert(command.room);
    // The others hear of it before the joiner is among them, so the room's
    // member list is the audience: one hand-over per transport, not one
    // per member.
    const Room* room = rooms_.find(command.room);
    if (room && room->members.size() + 1 <= settings_.announce_max_members) {
      auto announcement = EventBuffer::make(natter::EventKind::joined);
      announcement->set_room(command.room).set_user(session.user);
      outbox_.deliver(room->members, announcement, {});
    }
    if (rooms_.add_member(command.room, session)) {
      bus_.subscribe(room_topic(command.room));
      count_rooms();
    }
  }
  auto answer = EventBuffer::make(natter::EventKind::joined);
  answer->set_ref(command.ref).set_room(command.room).set_user(session.user);
  if (announces(command.room)) answer->set_members(rooms_.member_names(command.room));
  outbox_.send(session, answer);
  return true;
}

bool Membership::leave(Session& session, const OwnedCommand& command) {
  if (!session.joined(command.room)) {
    outbox_.send_error(session, command.ref, natter::ErrorCode::not_member,
                       "not a member of room '" + command.room + "'");
    return false;
  }
  remove(session, command.room, command.ref);
  return true;
}

void Membership::leave_all(Session& session) {
  const std::vector<std::string> joined(session.rooms.begin(), session.rooms.end());
  for (const auto& room : joined) remove(session, room, {});
}

bool Membership::announces(std::string_view room_name) {
  const Room* room = rooms_.find(room_name);
  return room && room->members.size() <= settings_.announce_max_members;
}

void Membership::remove(Session& session, const std::string& room, std::string_view ref) {
  session.rooms.erase(room);
  session.replaying.erase(room);
  if (rooms_.remove_member(room, session)) {
    bus_.unsubscribe(room_topic(room));
    count_rooms();
  } else if (announces(room)) {
    auto departure = EventBuffer::make(natter::EventKind::left);
    departure->set_room(room).set_user(session.user);
    outbox_.deliver(rooms_.find(room)->members, departure, {});
  }
  if (session.closed) return;
  auto answer = EventBuffer::make(natter::EventKind::left);
  answer->set_ref(ref).set_room(room).set_user(session.user);
  outbox_.send(session, answer);
}

void Membership::count_rooms() { rooms_gauge_.set(static_cast<std::int64_t>(rooms_.size())); }

}  // namespace natter::chat
