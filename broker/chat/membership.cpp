#include "chat/membership.hpp"

#include <algorithm>
#include <vector>

#include "chat/access.hpp"
#include "chat/command_write.hpp"
#include "chat/direct_name.hpp"

namespace natter::chat {

Membership::Membership(const config::BrokerSettings& settings, MembershipParts parts, UnreadCounter& unread,
                       runtime::MetricsRegistry& metrics, Joined joined)
    : settings_(settings),
      parts_(parts),
      unread_(unread),
      joined_(std::move(joined)),
      backoff_(std::chrono::milliseconds(settings.password_retry_ms)),
      rooms_gauge_(metrics.gauge("natter_rooms", "Rooms with members on this node")) {}

std::size_t Membership::counted_rooms(const Session& session) const {
  return static_cast<std::size_t>(
      std::count_if(session.rooms.begin(), session.rooms.end(), [](const auto& r) { return !is_direct_name(r); }));
}

void Membership::join(Session& session, const OwnedCommand& command) {
  Outbox& outbox = parts_.outbox;
  const std::string& room = command.room;
  if (!session.joined(room) && counted_rooms(session) >= settings_.max_rooms_per_session) {
    outbox.send_error(session, command.ref, natter::ErrorCode::forbidden,
                      "this connection already joined " + std::to_string(settings_.max_rooms_per_session) + " rooms");
    return;
  }
  const RoomRecord* record = parts_.catalog.find(room);
  if (!record) {
    if (!settings_.implicit_rooms || is_direct_name(room)) {
      outbox.send_error(session, command.ref, natter::ErrorCode::no_such_room,
                        "there is no room '" + room + "'; create_room makes one");
      return;
    }
    if (session.grants && !session.grants->may_create_rooms) {
      outbox.send_error(session, command.ref, natter::ErrorCode::no_such_room,
                        "there is no room '" + room + "', and your credential does not let you create one");
      return;
    }
    // Joining a room nobody created makes it: public, owned by nobody.
    RoomRecord fresh;
    fresh.members.insert(session.user);
    return admit(session, command, parts_.catalog.create(room, fresh));
  }
  const Role role = role_of(*record, session.user);
  if (record->is_member(session.user)) return enter(session, command, false);
  const natter::ErrorCode refusal = access(RoomAction::join, role, *record);
  if (refusal == natter::ErrorCode::wrong_password) return check_password(session, command, *record);
  if (refusal != natter::ErrorCode::none) {
    outbox.send_error(session, command.ref, refusal, refusal_text(refusal, RoomAction::join));
    return;
  }
  admit(session, command, parts_.catalog.add_member(room, session.user));
}

void Membership::check_password(Session& session, const OwnedCommand& command, const RoomRecord& record) {
  Outbox& outbox = parts_.outbox;
  const auto now = PasswordBackoff::Clock::now();
  if (std::uint32_t wait = backoff_.wait_ms(session.user, command.room, now)) {
    outbox.send_error(session, command.ref, natter::ErrorCode::rate_limited,
                      "too many wrong passwords for this room: wait before trying again", wait);
    return;
  }
  if (command.password.empty()) {
    outbox.send_error(session, command.ref, natter::ErrorCode::wrong_password,
                      "room '" + command.room + "' needs its password");
    return;
  }
  session.hold();
  parts_.passwords.verify(
      record.password_hash, command.password, [this, id = session.id(), command](bool matches) {
        Session* session = parts_.sessions.find(id);
        ResumeAtEnd resume(session);
        const RoomRecord* record = parts_.catalog.find(command.room);
        if (!session) return;
        if (!record) {
          parts_.outbox.send_error(*session, command.ref, natter::ErrorCode::no_such_room,
                                   "room '" + command.room + "' was deleted");
          return;
        }
        if (!matches) {
          backoff_.failed(session->user, command.room, PasswordBackoff::Clock::now());
          parts_.outbox.send_error(*session, command.ref, natter::ErrorCode::wrong_password,
                                   "wrong password for room '" + command.room + "'");
          return;
        }
        backoff_.succeeded(session->user, command.room);
        if (record->is_member(session->user)) return enter(*session, command, false);
        admit(*session, command, parts_.catalog.add_member(command.room, session->user));
      });
}

void Membership::admit(Session& session, const OwnedCommand& command, StateChanges changes) {
  const CommandWriteParts writing{parts_.state, parts_.sessions, parts_.outbox};
  write_for_command(writing, session, command.ref, changes, "the membership", [this, command](Session* session) {
    if (!session) return;
    if (!parts_.catalog.find(command.room)) {
      parts_.outbox.send_error(*session, command.ref, natter::ErrorCode::no_such_room,
                               "room '" + command.room + "' was deleted");
      return;
    }
    enter(*session, command, true);
  });
}

void Membership::enter(Session& session, const OwnedCommand& command, bool newly) {
  const RoomRecord& record = *parts_.catalog.find(command.room);
  const bool announced = announces(record.members.size());
  if (newly && announced && !session.joined(command.room)) {
    // The others hear of it before the joiner is among them, so the room's
    // session list is the audience: one hand-over per transport.
    if (const Room* room = parts_.rooms.find(command.room)) {
      auto announcement = EventBuffer::make(natter::EventKind::joined);
      announcement->set_room(command.room).set_user(session.user);
      parts_.outbox.deliver(room->members, announcement, {});
    }
    parts_.bus.event({natter::EventKind::joined, command.room, session.user, {}, {}});
  }
  attach(session, command.room);
  if (!unread_.counts()) return answer_join(session, command, -1);
  // The room's live events wait behind the answer, and the session's
  // next commands behind the count.
  session.replaying[command.room];
  session.hold();
  const auto marker = record.read_up_to.find(session.user);
  unread_.count({{command.room, marker == record.read_up_to.end() ? 0 : marker->second, session.user}},
                [this, id = session.id(), command](std::vector<std::int64_t> counts) {
                  Session* session = parts_.sessions.find(id);
                  ResumeAtEnd resume(session);
                  // Kicked meanwhile: it heard `left`, and nothing is held.
                  if (!session || !session->holds_back(command.room)) return;
                  answer_join(*session, command, counts.front());
                });
}

void Membership::answer_join(Session& session, const OwnedCommand& command, std::int64_t unread) {
  const RoomRecord* found = parts_.catalog.find(command.room);
  if (!found) return;  // deleted meanwhile: the session heard room_deleted
  const RoomRecord& record = *found;
  auto answer = EventBuffer::make(natter::EventKind::joined);
  answer->set_ref(command.ref).set_room(command.room).set_user(session.user).set_room_kind(kind_name(record.kind));
  if (announces(record.members.size())) answer->set_members({record.members.begin(), record.members.end()});
  answer->set_unread(unread);
  joined_(session, command, answer);
}

void Membership::leave(Session& session, const OwnedCommand& command) {
  if (!session.joined(command.room)) {
    parts_.outbox.send_error(session, command.ref, natter::ErrorCode::not_member,
                             "not a member of room '" + command.room + "'");
    return;
  }
  const RoomRecord* record = parts_.catalog.find(command.room);
  if (record && record->kind == RoomKind::direct) {
    parts_.outbox.send_error(session, command.ref, natter::ErrorCode::forbidden, "a direct room cannot be left");
    return;
  }
  if (record && record->is_member(session.user)) {
    parts_.state.write(parts_.catalog.remove_member(command.room, session.user), {});
  }
  remove_user(command.room, session.user, {}, &session, command.ref);
}

void Membership::remove_user(const std::string& room, const std::string& user, std::string_view by,
                             Session* answer_to, std::string_view ref) {
  parts_.typing.stop(user, room);
  parts_.bus.event({natter::EventKind::left, room, user, std::string(by), {}}, ClusterBus::Audience::room_and_user);
  remove_here(room, user, by, answer_to, ref);
}

void Membership::remove_here(const std::string& room, const std::string& user, std::string_view by,
                             Session* answer_to, std::string_view ref) {
  const std::vector<Session*> devices(parts_.sessions.of_user(user).begin(), parts_.sessions.of_user(user).end());
  for (Session* device : devices) {
    if (!device->joined(room)) continue;
    detach(*device, room);
    auto told = EventBuffer::make(natter::EventKind::left);
    told->set_room(room).set_user(user);
    if (!by.empty()) told->set_by(by);
    if (device == answer_to) told->set_ref(ref);
    parts_.outbox.send(*device, told);
  }
  const RoomRecord* record = parts_.catalog.find(room);
  const Room* present = parts_.rooms.find(room);
  const bool answered = answer_to && answer_to->user == user;
  if (present && (!record || announces(record->members.size()))) {
    auto departure = EventBuffer::make(natter::EventKind::left);
    departure->set_room(room).set_user(user);
    if (!by.empty()) departure->set_by(by);
    if (answered || !answer_to || !answer_to->joined(room)) {
      parts_.outbox.deliver(present->members, departure, {});
    } else {
      // The one who kicked hears it once, as the answer to their command.
      std::vector<Session*> others;
      others.reserve(present->members.size());
      for (Session* s : present->members) {
        if (s != answer_to) others.push_back(s);
      }
      parts_.outbox.deliver(others, departure, {});
    }
  }
  if (answer_to && !answered) {
    auto answer = EventBuffer::make(natter::EventKind::left);
    answer->set_ref(ref).set_room(room).set_user(user);
    if (!by.empty()) answer->set_by(by);
    parts_.outbox.send(*answer_to, answer);
  }
}

void Membership::attach(Session& session, const std::string& room) {
  if (session.joined(room)) return;
  session.rooms.insert(room);
  if (parts_.rooms.add_member(room, session)) {
    // A direct room's traffic comes through its users' topics.
    if (!is_direct_name(room)) parts_.bus.follow(room_topic(room));
    count_rooms();
  }
}

void Membership::detach(Session& session, const std::string& room) {
  session.rooms.erase(room);
  session.replaying.erase(room);
  if (parts_.rooms.remove_member(room, session)) {
    if (!is_direct_name(room)) parts_.bus.unfollow(room_topic(room));
    count_rooms();
  }
}

void Membership::signed_in(Session& session) {
  parts_.bus.follow(user_topic(session.user));
  for (const auto& room : parts_.catalog.direct_rooms_of(session.user)) attach(session, room);
}

void Membership::session_ended(Session& session) {
  const std::vector<std::string> joined(session.rooms.begin(), session.rooms.end());
  for (const auto& room : joined) {
    bool other_device = false;
    for (Session* device : parts_.sessions.of_user(session.user)) {
      other_device |= device != &session && device->joined(room);
    }
    if (!other_device) parts_.typing.stop(session.user, room);
    detach(session, room);
  }
  const auto& devices = parts_.sessions.of_user(session.user);
  if (std::find(devices.begin(), devices.end(), &session) != devices.end()) {
    parts_.bus.unfollow(user_topic(session.user));  // it had signed in
  }
}

void Membership::count_rooms() { rooms_gauge_.set(static_cast<std::int64_t>(parts_.rooms.size())); }

}  // namespace natter::chat
